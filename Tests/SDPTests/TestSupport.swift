import Foundation
import Testing
@testable import SDP

/// The real-world samples in `Corpus/`, read through `#filePath` (the folder is excluded from the target).
enum Corpus {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".sdp") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }

    static func parse(_ name: String) throws -> SessionDescription {
        try SessionDescription(parsing: try bytes(name))
    }
}

/// Deterministic "fresh" keys: 30 bytes each, all different.
final class KeySource: @unchecked Sendable {
    private(set) var issued: [[UInt8]] = []
    private var counter: UInt8 = 0
    let length: Int

    init(length: Int = 30) { self.length = length }

    func next() -> [UInt8] {
        counter &+= 1
        let key = (0..<length).map { UInt8(truncatingIfNeeded: Int($0) &* 7 &+ Int(counter) &* 31) }
        issued.append(key)
        return key
    }
}

/// Deterministic pseudo-random bytes (xorshift), for junk and fuzzing.
struct XorShift {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// `text` with LF line endings replaced by CRLF (and CRLF kept).
func crlf(_ text: String) -> String {
    text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
}

/// Parses, expecting a specific error; returns it for further checks.
@discardableResult
func expectError(
    _ expected: SDPError, line: Int?, parsing bytes: [UInt8], limits: SDPLimits = .default,
    sourceLocation: SourceLocation = #_sourceLocation
) -> SDPError? {
    do {
        let parsed = try SessionDescription(parsing: bytes, limits: limits)
        Issue.record("parsed, expected \(expected): \(parsed.text.prefix(200))", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error == expected, "\(error)", sourceLocation: sourceLocation)
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        return error
    }
}

// MARK: bridge fixtures

/// Five session lines; the next line is line 6.
let header = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

let ourB = MediaEndpoint(address: "10.0.0.1", port: 40002)
let ourA = MediaEndpoint(address: "10.0.0.1", port: 40000)

/// An answer from B for the offer we sent it: B keeps our payload types and picks `formats`.
func answerFromB(
    to offer: BridgeOffer, formats: [UInt8], direction: MediaDirection? = nil, port: UInt16 = 50000,
    crypto: CryptoAttribute? = nil, extra: [Attribute] = []
) -> SessionDescription {
    let offered = offer.codecsForB + offer.telephoneEventsForB
    var attributes: [Attribute] = []
    for pt in formats {
        if let format = offered.first(where: { $0.payloadType == pt }) { attributes += format.attributes }
    }
    if let direction { attributes.append(direction.attribute) }
    if let crypto { attributes.append(crypto.attribute) }
    attributes += extra
    let media = MediaDescription(port: port, proto: offer.offerForB.media[0].proto,
                                 formats: formats.map { "\($0)" }, attributes: attributes)
    return SessionDescription(
        origin: Origin(username: "bob", sessionID: "777", sessionVersion: "3", address: "192.0.2.20"),
        name: "B", connection: Connection(address: "192.0.2.20"), media: [media])
}

func reparsed(_ sdp: SessionDescription) throws -> SessionDescription {
    try SessionDescription(parsing: sdp.text)
}
