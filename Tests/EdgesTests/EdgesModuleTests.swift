import Testing
@testable import Edges

@Test func moduleLinks() {
    _ = Edges.self
}
