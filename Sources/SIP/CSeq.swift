/// The CSeq header field (RFC 3261 20.16): a sequence number and the method of
/// the request, `4711 INVITE`.
public struct CSeq: Hashable, Sendable, CustomStringConvertible {
    /// The sequence number (RFC 3261: expressible as a 32-bit unsigned integer).
    public var number: UInt32
    /// The method; in a response, the method of the request it answers.
    public var method: SIPMethod

    /// `number method`.
    public init(number: UInt32, method: SIPMethod) {
        self.number = number
        self.method = method
    }

    /// Parses `1*DIGIT LWS Method` (`0009  INVITE` is 9 INVITE).
    public init(parsing text: some StringProtocol) throws(SIPError) {
        var scanner = SIPScanner(text.trimmingWhitespace)
        let digits = scanner.scan(while: SIPScanner.isDigit)
        guard !digits.isEmpty else { throw .badCSeq("no sequence number in '\(text)'") }
        guard let number = SIPScanner.decimal(digits, maximum: Int(UInt32.max)) else {
            throw .badCSeq("sequence number '\(digits)' does not fit 32 bits")
        }
        guard scanner.skipWhitespace() else { throw .badCSeq("'\(text)' is not 'number method'") }
        let method = scanner.scan(while: SIPScanner.isToken)
        guard !method.isEmpty, scanner.isAtEnd else { throw .badCSeq("'\(text)' is not 'number method'") }
        self.number = UInt32(truncatingIfNeeded: number)
        self.method = SIPMethod(method)
    }

    /// `4711 INVITE`.
    public var description: String { "\(number) \(method)" }
}
