import Foundation

/// `2026-11-25T14:09:02Z` (UTC, RFC 3339) without a DateFormatter: creating
/// an ISO8601DateFormatter per response cost more than a whole SDP parse
/// (ICU set-up), and sharing one across threads is not documented as safe on
/// Linux.
func iso8601(_ date: Date) -> String {
    var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
}
