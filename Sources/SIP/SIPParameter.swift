/// One `;name[=value]` parameter of a URI or a header value (Via, From, To, Contact, ...).
///
/// Values are kept as written: a quoted value keeps its quotes
/// (`+sip.instance="<urn:uuid:...>"`), an escaped URI parameter keeps its `%HH`.
/// A parameter without `=` (`;lr`) has a nil value; `;a=` has an empty one.
public struct SIPParameter: Hashable, Sendable, CustomStringConvertible {
    /// The name, as written (compared case-insensitively by the lookups).
    public var name: String
    /// The value as written; nil for `;name` without `=`.
    public var value: String?

    /// `;name=value`, or `;name` without a value.
    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// `;name=value` or `;name`.
    public var description: String {
        value.map { ";\(name)=\($0)" } ?? ";\(name)"
    }
}

extension [SIPParameter] {
    /// The value of the first parameter named `name` (case-insensitive): nil when
    /// absent, `.some(nil)` for a parameter without a value.
    func value(of name: String) -> String?? {
        let key = name.lowercased()
        guard let parameter = first(where: { $0.name.lowercased() == key }) else { return nil }
        return .some(parameter.value)
    }

    /// Replaces the first parameter named `name` (case-insensitive) and drops any
    /// other of that name; appends when absent; removes all when `value` is nil.
    mutating func set(_ name: String, _ value: String??) {
        let key = name.lowercased()
        guard let value else {
            removeAll { $0.name.lowercased() == key }
            return
        }
        if let index = firstIndex(where: { $0.name.lowercased() == key }) {
            self[index].value = value
            var position = index + 1
            while position < count {
                if self[position].name.lowercased() == key { remove(at: position) } else { position += 1 }
            }
        } else {
            append(SIPParameter(name: name, value: value))
        }
    }

    /// The parameters as written after a value: `;a=1;b`.
    var rendered: String { map(\.description).joined() }
}

extension SIPScanner {
    /// Reads `*( SEMI generic-param )` up to the end of the input, where
    /// `SEMI = SWS ";" SWS`, `generic-param = token [ EQUAL gen-value ]`,
    /// `EQUAL = SWS "=" SWS` and `gen-value = token / host / quoted-string`.
    /// Fails (with the reason) on anything else, an empty name included.
    mutating func headerParameters() -> Result<[SIPParameter], ParameterProblem> {
        var parameters: [SIPParameter] = []
        skipWhitespace()
        while !isAtEnd {
            guard consume(Octet.semicolon) else { return .failure(.unexpected(rest)) }
            skipWhitespace()
            let name = scan(while: SIPScanner.isToken)
            guard !name.isEmpty else { return .failure(.emptyName) }
            skipWhitespace()
            var value: String?
            if consume(Octet.equals) {
                skipWhitespace()
                if peek == Octet.quote {
                    guard let quoted = scanQuotedString() else { return .failure(.unterminatedQuote) }
                    value = quoted
                } else {
                    let text = scan(while: SIPScanner.isParameterValue)
                    guard !text.isEmpty else { return .failure(.emptyValue(name)) }
                    value = text
                }
                skipWhitespace()
            }
            parameters.append(SIPParameter(name: name, value: value))
        }
        return .success(parameters)
    }

    /// Why a parameter list could not be read.
    enum ParameterProblem: Error, CustomStringConvertible {
        case unexpected(String), emptyName, emptyValue(String), unterminatedQuote

        var description: String {
            switch self {
            case .unexpected(let rest): "unexpected '\(rest.prefix(40))' where a ';parameter' should be"
            case .emptyName: "a parameter without a name"
            case .emptyValue(let name): "parameter '\(name)=' without a value"
            case .unterminatedQuote: "unterminated quoted parameter value"
            }
        }
    }
}
