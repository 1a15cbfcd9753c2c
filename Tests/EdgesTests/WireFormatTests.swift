import Edges
import Testing

// Foundation only here, for JSONEncoder/JSONDecoder: the module has none.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(json.utf8))
}

private func keys(of value: some Encodable) throws -> Set<String> {
    let data = try JSONEncoder().encode(value)
    let object = try JSONDecoder().decode([String: AnyJSON].self, from: data)
    return Set(object.keys)
}

/// Any JSON value, decoded only to learn the keys.
private struct AnyJSON: Decodable {
    init(from decoder: any Decoder) throws {}
}

@Suite("Wire formats")
struct WireFormatTests {
    @Test("JSON keys are snake_case", arguments: [
        (HeartbeatReport.CodingKeys.allCases.map(\.stringValue),
         ["sequence", "streams", "workers_ready", "cpu", "packet_loss", "mailbox_depths", "stream_ids", "ended"]),
        (EdgeRegistration.CodingKeys.allCases.map(\.stringValue), ["url", "region", "capacity", "media_address", "boot"]),
    ])
    func codingKeys(actual: [String], expected: [String]) {
        #expect(actual == expected)
    }

    @Test("a full heartbeat report decodes")
    func decodeFullReport() throws {
        let report = try decode(HeartbeatReport.self, """
            {"sequence": 42, "streams": 17, "workers_ready": 2, "cpu": 1.5, "packet_loss": 0.002,
             "mailbox_depths": {"transcoder-1": 0, "transcoder-2": 3}, "stream_ids": ["s-1", "s-2"],
             "a_field_added_later": true}
            """)
        #expect(report == HeartbeatReport(
            sequence: 42, streams: 17, workersReady: 2, cpu: 1.5, packetLoss: 0.002,
            mailboxDepths: ["transcoder-1": 0, "transcoder-2": 3], streamIDs: ["s-1", "s-2"]))
        #expect(report.problems.isEmpty)
    }

    @Test("a minimal heartbeat report decodes with defaults")
    func decodeMinimalReport() throws {
        let report = try decode(HeartbeatReport.self, #"{"sequence": 0, "streams": 0, "workers_ready": 1}"#)
        #expect(report == HeartbeatReport(sequence: 0, streams: 0, workersReady: 1))
        #expect(report.cpu == 0 && report.packetLoss == 0 && report.mailboxDepths.isEmpty && report.streamIDs == nil)
        let empty = try decode(HeartbeatReport.self, #"{"sequence": 1, "streams": 0, "workers_ready": 1, "stream_ids": []}"#)
        #expect(empty.streamIDs == [])
    }

    @Test("a report without a required field, or with a wrong type, is refused", arguments: [
        #"{"streams": 0, "workers_ready": 1}"#,
        #"{"sequence": 1, "workers_ready": 1}"#,
        #"{"sequence": 1, "streams": 0}"#,
        #"{"sequence": -1, "streams": 0, "workers_ready": 1}"#,
        #"{"sequence": 1, "streams": "many", "workers_ready": 1}"#,
        #"{"sequence": 1, "streams": 0, "workers_ready": 1, "cpu": "high"}"#,
        #"{"sequence": 1, "streams": 0, "workers_ready": 1, "stream_ids": "s-1"}"#,
        #"{"sequence": 1, "streams": 0, "workers_ready": 1, "ended": ["s-1"]}"#,
        #"{"sequence": 1, "streams": 0, "workersReady": 1}"#,
    ])
    func refuseReport(json: String) {
        #expect(throws: (any Error).self) { try decode(HeartbeatReport.self, json) }
    }

    @Test("reports round-trip through JSON; stream_ids and ended only when present")
    func roundTripReport() throws {
        let full = HeartbeatReport(sequence: .max, streams: 3, workersReady: 2, cpu: 0.25, packetLoss: 1,
                                   mailboxDepths: ["w": 9], streamIDs: ["a"], ended: ["b": "no_media"])
        #expect(try decode(HeartbeatReport.self, String(decoding: JSONEncoder().encode(full), as: UTF8.self)) == full)
        #expect(try keys(of: full) == Set(HeartbeatReport.CodingKeys.allCases.map(\.stringValue)))
        let bare = HeartbeatReport(sequence: 1, streams: 0, workersReady: 0)
        #expect(try keys(of: bare) == ["sequence", "streams", "workers_ready", "cpu", "packet_loss", "mailbox_depths"])
    }

    @Test("report values out of range are listed", arguments: [
        (HeartbeatReport(sequence: 1, streams: -1, workersReady: 0), ["streams"]),
        (HeartbeatReport(sequence: 1, streams: 0, workersReady: -2), ["workers_ready"]),
        (HeartbeatReport(sequence: 1, streams: 0, workersReady: 0, cpu: -0.1), ["cpu"]),
        (HeartbeatReport(sequence: 1, streams: 0, workersReady: 0, cpu: .infinity), ["cpu"]),
        (HeartbeatReport(sequence: 1, streams: 0, workersReady: 0, cpu: 12), []),
        (HeartbeatReport(sequence: 1, streams: 0, workersReady: 0, packetLoss: 5), ["packet_loss"]),
        (HeartbeatReport(sequence: 1, streams: 0, workersReady: 0, packetLoss: .nan), ["packet_loss"]),
        (HeartbeatReport(sequence: 1, streams: 0, workersReady: 0, mailboxDepths: ["b": -1, "a": -2]),
         ["mailbox_depths[a]", "mailbox_depths[b]"]),
    ])
    func reportProblems(report: HeartbeatReport, fields: [String]) {
        #expect(report.problems.map { String($0.prefix { $0 != " " }) } == fields)
    }

    @Test("a registration decodes with or without region and media_address")
    func decodeRegistration() throws {
        let full = try decode(EdgeRegistration.self, """
            {"url": "http://10.0.0.7:8081", "region": "eu-west", "capacity": 256, "media_address": "203.0.113.7"}
            """)
        #expect(full == EdgeRegistration(url: "http://10.0.0.7:8081", region: "eu-west", capacity: 256,
                                         mediaAddress: "203.0.113.7"))
        let spec = try decode(EdgeRegistration.self, #"{"url": "http://e:1", "region": "us", "capacity": 8}"#)
        #expect(spec.mediaAddress == nil && spec.region == "us")
        let bare = try decode(EdgeRegistration.self, #"{"url": "http://e:1", "capacity": 8}"#)
        #expect(bare.region == nil)
        #expect(throws: (any Error).self) { try decode(EdgeRegistration.self, #"{"url": "http://e:1"}"#) }
        #expect(try keys(of: full) == ["url", "region", "capacity", "media_address"])
        #expect(try decode(EdgeRegistration.self, String(decoding: JSONEncoder().encode(full), as: UTF8.self)) == full)
    }

    @Test("registration problems", arguments: [
        (EdgeRegistration(url: "http://e:1", capacity: 0), 0),
        (EdgeRegistration(url: "", capacity: 1), 1),
        (EdgeRegistration(url: "http://e:1", capacity: -1), 1),
        (EdgeRegistration(url: "http://e:1", region: "", capacity: 1, mediaAddress: ""), 2),
    ])
    func registrationProblems(registration: EdgeRegistration, count: Int) {
        #expect(registration.problems.count == count)
    }

    @Test("an EdgeLoad from a registration and the last report")
    func loadFromReports() {
        let registration = EdgeRegistration(url: "http://e:1", region: "eu", capacity: 100)
        let report = HeartbeatReport(sequence: 3, streams: 40, workersReady: 2)
        let load = EdgeLoad(id: "e1", registration: registration, report: report, state: .alive)
        #expect(load == EdgeLoad(id: "e1", region: "eu", state: .alive, capacity: 100, streams: 40, ready: 2))
        let fresh = EdgeLoad(id: "e1", registration: registration, report: nil, state: .alive)
        #expect(!fresh.hasRoom)
    }

    @Test("edge states use their wire names")
    func stateNames() throws {
        #expect(EdgeState.allCases.map(\.rawValue) == ["alive", "suspect", "dead"])
        #expect(try decode([EdgeState].self, #"["dead", "alive"]"#) == [.dead, .alive])
    }
}
