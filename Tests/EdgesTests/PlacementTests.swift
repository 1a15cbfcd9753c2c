import Edges
import Testing

private func edge(
    _ id: String, _ region: String? = "eu", state: EdgeState = .alive,
    capacity: Int = 10, streams: Int = 0, ready: Int = 1
) -> EdgeLoad {
    EdgeLoad(id: id, region: region, state: state, capacity: capacity, streams: streams, ready: ready)
}

@Suite("Placement")
struct PlacementTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var candidates: [EdgeLoad]
        var region: String?
        var expected: String?
        var testDescription: String { name }
    }

    static let table: [Row] = [
        Row(name: "no candidates", candidates: [], region: nil, expected: nil),
        Row(name: "no candidates, region asked", candidates: [], region: "eu", expected: nil),
        Row(name: "only suspect and dead edges",
            candidates: [edge("a", state: .suspect), edge("b", state: .dead)], region: nil, expected: nil),
        Row(name: "full edges", candidates: [edge("a", streams: 10), edge("b", capacity: 3, streams: 4)],
            region: nil, expected: nil),
        Row(name: "capacity 0", candidates: [edge("a", capacity: 0)], region: nil, expected: nil),
        Row(name: "no worker ready", candidates: [edge("a", ready: 0)], region: nil, expected: nil),
        Row(name: "the alive one among suspect and dead, however loaded",
            candidates: [edge("a", state: .suspect), edge("b", streams: 9), edge("c", state: .dead)],
            region: nil, expected: "b"),
        Row(name: "least loaded relative to capacity, not in absolute streams",
            candidates: [edge("small", capacity: 10, streams: 5), edge("big", capacity: 100, streams: 20)],
            region: nil, expected: "big"),
        Row(name: "one stream left is still room",
            candidates: [edge("a", capacity: 10, streams: 9), edge("b", capacity: 10, streams: 10)],
            region: nil, expected: "a"),
        Row(name: "ties in load: fewer streams wins",
            candidates: [edge("a", capacity: 4, streams: 2), edge("b", capacity: 2, streams: 1)],
            region: nil, expected: "b"),
        Row(name: "ties in everything: smaller id wins",
            candidates: [edge("c"), edge("a"), edge("b")], region: nil, expected: "a"),
        Row(name: "ties in everything, input order irrelevant",
            candidates: [edge("b"), edge("c"), edge("a")], region: nil, expected: "a"),
        Row(name: "the requested region wins over a less loaded edge elsewhere",
            candidates: [edge("us1", "us", streams: 0), edge("eu1", "eu", streams: 8)], region: "eu", expected: "eu1"),
        Row(name: "least loaded within the requested region",
            candidates: [edge("eu1", "eu", streams: 7), edge("us1", "us"), edge("eu2", "eu", streams: 3)],
            region: "eu", expected: "eu2"),
        Row(name: "requested region full: any region",
            candidates: [edge("eu1", "eu", streams: 10), edge("us1", "us", streams: 5), edge("ap1", "ap", streams: 2)],
            region: "eu", expected: "ap1"),
        Row(name: "requested region only suspect: any region",
            candidates: [edge("eu1", "eu", state: .suspect), edge("us1", "us", streams: 5)], region: "eu", expected: "us1"),
        Row(name: "unknown region: any region",
            candidates: [edge("eu1", "eu", streams: 3), edge("us1", "us", streams: 1)], region: "mars", expected: "us1"),
        Row(name: "region match is exact",
            candidates: [edge("eu1", "EU", streams: 0), edge("eu2", "eu", streams: 5)], region: "eu", expected: "eu2"),
        Row(name: "no region asked: edges without region compete equally",
            candidates: [edge("x", nil, streams: 1), edge("eu1", "eu", streams: 2)], region: nil, expected: "x"),
        Row(name: "huge capacities compare without overflow",
            candidates: [edge("a", capacity: Int.max, streams: Int.max - 2), edge("b", capacity: Int.max - 1, streams: Int.max - 3)],
            region: nil, expected: "b"),
    ]

    @Test("choosing an edge for a new session", arguments: table)
    func choose(row: Row) {
        #expect(Placement.choose(among: row.candidates, preferring: row.region)?.id == row.expected)
    }

    @Test("hasRoom and utilization")
    func loadBasics() {
        #expect(edge("a").hasRoom)
        #expect(!edge("a", state: .suspect).hasRoom)
        #expect(!edge("a", streams: 10).hasRoom)
        #expect(!edge("a", ready: 0).hasRoom)
        #expect(edge("a", capacity: 4, streams: 1).utilization == 0.25)
        #expect(edge("a", capacity: 0).utilization == 1)
        let negative = EdgeLoad(id: "n", region: nil, state: .alive, capacity: -1, streams: -5, ready: -2)
        #expect(negative.capacity == 0 && negative.streams == 0 && negative.ready == 0)
        #expect(edge("a", streams: Int.max).adding(streams: 1).streams == Int.max)
        #expect(edge("a", streams: 3).adding(streams: -10).streams == 0)
    }

    @Test("spreading sessions evens out the load, updating it as it goes")
    func spreadEvenly() {
        let candidates = [edge("a", capacity: 10, streams: 0), edge("b", capacity: 10, streams: 4),
                          edge("c", capacity: 20, streams: 0), edge("dead", state: .dead, streams: 0)]
        let sessions = (1...14).map { "s\($0)" }
        let spread = Placement.spread(sessions, onto: candidates)
        #expect(spread.unplaced.isEmpty)
        #expect(spread.assignments.map(\.session) == sessions)
        let counts = Dictionary(grouping: spread.assignments, by: \.edge).mapValues(\.count)
        // Every step takes the lowest fraction: b (4/10) gets its first
        // session only once a and c are up to 40% too.
        #expect(counts["dead"] == nil)
        #expect(spread.loads.map(\.streams) == [5, 5, 8, 0])
        #expect(counts == ["a": 5, "b": 1, "c": 8] as [String: Int])
        // The first ones go to the emptiest, by fraction then streams then id.
        #expect(spread.assignments.prefix(3).map(\.edge) == ["a", "c", "c"])
        // Same input, same output.
        #expect(Placement.spread(sessions, onto: candidates) == spread)
    }

    @Test("spreading more sessions than there is room leaves the rest unplaced, in order")
    func spreadOverflow() {
        let candidates = [edge("a", capacity: 3, streams: 1), edge("b", capacity: 2, streams: 0), edge("c", ready: 0)]
        let spread = Placement.spread(Array(1...8), onto: candidates)
        #expect(spread.assignments.count == 4)
        #expect(spread.unplaced == [5, 6, 7, 8])
        #expect(spread.loads.map(\.streams) == [3, 2, 0])
        #expect(spread.loads.allSatisfy { !$0.hasRoom })
    }

    @Test("spreading prefers the region, then spills over to the others")
    func spreadRegion() {
        let candidates = [edge("eu1", "eu", capacity: 2), edge("eu2", "eu", capacity: 2, streams: 1),
                          edge("us1", "us", capacity: 10)]
        let spread = Placement.spread(["x", "y", "z", "w", "v"], onto: candidates, preferring: "eu")
        #expect(spread.assignments.map(\.edge) == ["eu1", "eu1", "eu2", "us1", "us1"])
        #expect(spread.unplaced.isEmpty)
    }

    @Test("spreading nothing, or onto nothing")
    func spreadEmpty() {
        let none = Placement.spread([String](), onto: [edge("a")])
        #expect(none.assignments.isEmpty && none.unplaced.isEmpty && none.loads == [edge("a")])
        let nowhere = Placement.spread(["s1", "s2"], onto: [])
        #expect(nowhere.assignments.isEmpty && nowhere.unplaced == ["s1", "s2"])
    }
}
