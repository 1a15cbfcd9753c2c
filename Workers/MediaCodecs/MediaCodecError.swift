/// Errors of the media codecs: bad input, an unsupported conversion, or a
/// failure reported by libopus. Every value names what was wrong; none of
/// them is fatal to the process.
public struct MediaCodecError: Error, Hashable, CustomStringConvertible, Sendable {
    /// How a caller should classify the error (e.g. for a port `ErrorReply` code).
    public enum Kind: Hashable, Sendable {
        /// The input was malformed: wrong length, undecodable packet.
        case badInput
        /// The request is well-formed but not supported.
        case unsupported
        /// A configured limit was reached (e.g. too many contexts).
        case capacity
        /// A codec library failed unexpectedly.
        case `internal`
    }

    private enum Code: Hashable, Sendable {
        case badFrameLength(format: String, bytes: Int, expected: String)
        case undecodableOpus(status: Int32, bytes: Int)
        case unsupportedConversion(from: String, to: String, why: String)
        case unsupportedParameter(String)
        case tooManyContexts(limit: Int)
        case opusFailure(call: String, status: Int32)
    }
    private let code: Code

    /// A frame whose byte count does not fit the format.
    public static func badFrameLength(format: String, bytes: Int, expected: String) -> Self {
        .init(code: .badFrameLength(format: format, bytes: bytes, expected: expected))
    }
    /// An Opus packet that libopus rejected.
    public static func undecodableOpus(status: Int32, bytes: Int) -> Self {
        .init(code: .undecodableOpus(status: status, bytes: bytes))
    }
    /// A conversion the engine does not perform.
    public static func unsupportedConversion(from: String, to: String, why: String) -> Self {
        .init(code: .unsupportedConversion(from: from, to: to, why: why))
    }
    /// A parameter outside what the codec supports (rate, channels, ...).
    public static func unsupportedParameter(_ what: String) -> Self { .init(code: .unsupportedParameter(what)) }
    /// A new context was asked for while `limit` are open.
    public static func tooManyContexts(limit: Int) -> Self { .init(code: .tooManyContexts(limit: limit)) }
    /// libopus returned an error where none was expected.
    public static func opusFailure(call: String, status: Int32) -> Self { .init(code: .opusFailure(call: call, status: status)) }

    /// The classification of this error.
    public var kind: Kind {
        switch code {
        case .badFrameLength, .undecodableOpus: .badInput
        case .unsupportedConversion, .unsupportedParameter: .unsupported
        case .tooManyContexts: .capacity
        case .opusFailure: .internal
        }
    }

    /// A one-line explanation naming the input or call at fault.
    public var description: String {
        switch code {
        case let .badFrameLength(format, bytes, expected):
            "\(format) frame of \(bytes) bytes: expected \(expected)"
        case let .undecodableOpus(status, bytes):
            "undecodable Opus packet of \(bytes) bytes: \(OpusStatus.name(status))"
        case let .unsupportedConversion(from, to, why):
            "cannot convert \(from) to \(to): \(why)"
        case let .unsupportedParameter(what):
            "unsupported parameter: \(what)"
        case let .tooManyContexts(limit):
            "too many transcoding contexts (limit \(limit))"
        case let .opusFailure(call, status):
            "\(call) failed: \(OpusStatus.name(status))"
        }
    }
}

/// Names of libopus status codes (`OPUS_*` in opus_defines.h).
enum OpusStatus {
    static func name(_ status: Int32) -> String {
        switch status {
        case 0: "OPUS_OK"
        case -1: "OPUS_BAD_ARG"
        case -2: "OPUS_BUFFER_TOO_SMALL"
        case -3: "OPUS_INTERNAL_ERROR"
        case -4: "OPUS_INVALID_PACKET"
        case -5: "OPUS_UNIMPLEMENTED"
        case -6: "OPUS_INVALID_STATE"
        case -7: "OPUS_ALLOC_FAIL"
        default: "opus status \(status)"
        }
    }
}
