import Foundation
import Testing
@testable import SwitchboardServer

@Test("timestamps are RFC 3339 UTC, the same as ISO8601DateFormatter's", arguments: [0.0, 1_764_079_742.9, 951_782_400, 4_102_444_799])
func timestamps(seconds: Double) {
    let date = Date(timeIntervalSince1970: seconds)
    let reference = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds.rounded(.down)))
    #expect(iso8601(date) == reference)
}
