extension SIP {
    /// A new RFC 3261 branch: the magic cookie `z9hG4bK` and 96 random bits in hex.
    public static func newBranch() -> String {
        TransactionKey.magicCookie + randomHex(words: 3)
    }

    /// A new From/To tag: 64 random bits in hex (RFC 3261 19.3 asks for at least 32).
    public static func newTag() -> String {
        randomHex(words: 2)
    }

    /// A new Call-ID: 128 random bits in hex (RFC 3261 8.1.1.4 allows it without a host).
    public static func newCallID() -> String {
        randomHex(words: 4)
    }

    /// `words` random 32-bit words from the system generator, as lowercase hex.
    private static func randomHex(words: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<words {
            let word = String(generator.next() as UInt32, radix: 16)
            text += String(repeating: "0", count: 8 - word.count) + word
        }
        return text
    }
}
