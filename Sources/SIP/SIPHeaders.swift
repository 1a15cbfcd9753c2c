/// The header fields of a message, in order, names as written.
///
/// Lookups are case-insensitive and know the compact forms (RFC 3261 7.3.3 and
/// extensions): `headers["Call-ID"]` finds `i: ...`, `headers["v"]` finds `Via:`.
///
/// ```
/// Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1      ─┐
/// v: SIP/2.0/UDP b.example.com;branch=z9hG4bK2,        │ values("Via") == [a, b, c]
///    SIP/2.0/UDP c.example.com;branch=z9hG4bK3        ─┘ (folded line unfolded on parse)
/// ```
///
/// ``values(_:)`` splits the comma-separated list headers (Via, Route, Contact,
/// Allow, Supported, ...) across repeated lines, respecting quoted strings and
/// `<...>`; for other headers it gives each field's value whole.
public struct SIPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// A header field: its name as written and its value, unfolded and trimmed.
    public typealias Element = (name: String, value: String)

    private struct Field: Sendable, Equatable {
        var name: String
        var value: String
        var key: String
    }

    private var fields: [Field] = []

    /// No header fields.
    public init() {}

    /// Header fields in order (names may repeat).
    public init(_ fields: [(name: String, value: String)]) {
        self.fields = fields.map { Field(name: $0.name, value: $0.value, key: Self.canonicalName($0.name)) }
    }

    /// `["Via": "...", "Via": "...", "To": "..."]`: in order, names may repeat.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements.map { (name: $0.0, value: $0.1) })
    }

    /// The number of header fields (lines, once unfolded).
    public var count: Int { fields.count }
    /// Whether there are no header fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// The fields in order, as `(name, value)`.
    public func makeIterator() -> some IteratorProtocol<Element> {
        fields.lazy.map { (name: $0.name, value: $0.value) }.makeIterator()
    }

    /// Whether a field named `name` (or its compact form) is present.
    public func contains(_ name: String) -> Bool {
        let key = Self.canonicalName(name)
        return fields.contains { $0.key == key }
    }

    /// The number of fields named `name` (or its compact form).
    public func count(of name: String) -> Int {
        let key = Self.canonicalName(name)
        return fields.reduce(0) { $0 + ($1.key == key ? 1 : 0) }
    }

    /// The value of the first field named `name`; setting replaces every field of
    /// that name (see ``set(_:_:)``), setting nil removes them.
    public subscript(name: String) -> String? {
        get {
            let key = Self.canonicalName(name)
            return fields.first { $0.key == key }?.value
        }
        set {
            if let newValue { set(name, newValue) } else { remove(name) }
        }
    }

    /// Every value of `name`, in order: list headers split at top-level commas
    /// (empty elements dropped), other headers one value per field.
    public func values(_ name: String) -> [String] {
        let key = Self.canonicalName(name)
        let split = Self.listHeaders.contains(key)
        var result: [String] = []
        for field in fields where field.key == key {
            if split { result += Self.splitList(field.value) } else { result.append(field.value) }
        }
        return result
    }

    /// Appends a field.
    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value, key: Self.canonicalName(name)))
    }

    /// Replaces every field named `name` (compact forms included) with one field,
    /// at the position of the first one; appends when there was none.
    public mutating func set(_ name: String, _ value: String) {
        let key = Self.canonicalName(name)
        let field = Field(name: name, value: value, key: key)
        guard let first = fields.firstIndex(where: { $0.key == key }) else {
            fields.append(field)
            return
        }
        fields[first] = field
        var index = first + 1
        while index < fields.count {
            if fields[index].key == key { fields.remove(at: index) } else { index += 1 }
        }
    }

    /// Removes every field named `name` (compact forms included).
    public mutating func remove(_ name: String) {
        let key = Self.canonicalName(name)
        fields.removeAll { $0.key == key }
    }

    /// Inserts a field at `index` among all fields (clamped to `0...count`):
    /// `insert("Via", via.description, at: 0)` makes a new topmost Via.
    public mutating func insert(_ name: String, _ value: String, at index: Int) {
        let position = Swift.min(Swift.max(index, 0), fields.count)
        fields.insert(Field(name: name, value: value, key: Self.canonicalName(name)), at: position)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

extension SIPHeaders {
    /// The compact forms (RFC 3261 7.3.3, RFC 3515, 3892, 4028, 3265, 3841, 3903).
    static let compactForms: [String: String] = [
        "i": "call-id", "f": "from", "t": "to", "v": "via", "m": "contact", "l": "content-length",
        "c": "content-type", "e": "content-encoding", "s": "subject", "k": "supported", "o": "event",
        "r": "refer-to", "b": "referred-by", "x": "session-expires", "u": "allow-events",
        "a": "accept-contact", "j": "reject-contact", "d": "request-disposition",
    ]

    /// The headers whose values are comma-separated lists.
    static let listHeaders: Set<String> = [
        "via", "route", "record-route", "contact", "allow", "supported", "require", "proxy-require",
        "unsupported", "accept", "accept-encoding", "accept-language", "allow-events", "content-encoding",
        "content-language", "in-reply-to", "alert-info", "call-info", "error-info", "path", "service-route",
        "p-asserted-identity", "p-preferred-identity", "warning", "reason", "history-info",
        "accept-contact", "reject-contact", "request-disposition", "security-client", "security-server",
        "security-verify", "p-associated-uri",
    ]

    /// The lowercased full name of `name` (`I` → `call-id`), the key of every lookup.
    static func canonicalName(_ name: String) -> String {
        let lower = name.lowercased()
        return compactForms[lower] ?? lower
    }

    /// Splits at commas outside quoted strings and `<...>`, trimming white space
    /// and dropping empty elements.
    static func splitList(_ value: String) -> [String] {
        var result: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        var inAngle = false
        var escaped = false
        func flush() {
            let element = String(decoding: current, as: UTF8.self).trimmingWhitespace
            if !element.isEmpty { result.append(String(element)) }
            current.removeAll(keepingCapacity: true)
        }
        for byte in value.utf8 {
            if inQuotes {
                if escaped { escaped = false } else if byte == Octet.backslash { escaped = true } else if byte == Octet.quote { inQuotes = false }
            } else if byte == Octet.quote {
                inQuotes = true
            } else if byte == Octet.lessThan {
                inAngle = true
            } else if byte == Octet.greaterThan {
                inAngle = false
            } else if byte == Octet.comma, !inAngle {
                flush()
                continue
            }
            current.append(byte)
        }
        flush()
        return result
    }
}
