import CSRTP

/// An SDES-keyed SRTP crypto suite (RFC 4568).
public enum SRTPSuite: String, Sendable, Hashable, CaseIterable {
    /// AES-128 counter mode, HMAC-SHA1 with an 80-bit tag.
    case aesCM128HMACSHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    /// AES-128 counter mode, HMAC-SHA1 with a 32-bit tag on SRTP (80-bit on SRTCP).
    case aesCM128HMACSHA1_32 = "AES_CM_128_HMAC_SHA1_32"

    /// The suite's SDP name, e.g. `AES_CM_128_HMAC_SHA1_80`.
    public var name: String { rawValue }
    /// Creates a suite from its SDP name (case-insensitive).
    public init?(name: String) { self.init(rawValue: name.uppercased()) }
    /// Bytes of the authentication tag appended to each SRTP packet.
    public var authTagLength: Int { self == .aesCM128HMACSHA1_80 ? 10 : 4 }
    /// Bytes of SDES key material: 16-byte master key || 14-byte master salt.
    public static let keyLength = 30
}

/// An error of libsrtp2, with its status code named.
public struct SRTPError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The `srtp_err_status_t` value.
    public let status: Int32
    /// What was being done: `srtp_create`, `srtp_protect`, `srtp_unprotect`, ...
    public let operation: String

    /// Creates an error for `operation` failing with `status`.
    public init(status: Int32, operation: String) { self.status = status; self.operation = operation }

    /// The libsrtp name of ``status``, e.g. `srtp_err_status_auth_fail`.
    public var statusName: String {
        let names = ["ok", "fail", "bad_param", "alloc_fail", "dealloc_fail", "init_fail", "terminus", "auth_fail",
                     "cipher_fail", "replay_fail", "replay_old", "algo_fail", "no_such_op", "no_ctx", "cant_check",
                     "key_expired", "socket_err", "signal_err", "nonce_bad", "read_fail", "write_fail", "parse_err",
                     "encode_err", "semaphore_err", "pfkey_err", "bad_mki", "pkt_idx_old", "pkt_idx_adv"]
        return names.indices.contains(Int(status)) ? "srtp_err_status_\(names[Int(status)])" : "srtp status \(status)"
    }

    /// Whether this is an authentication failure (a tampered or mis-keyed packet).
    public var isAuthenticationFailure: Bool { status == Int32(srtp_err_status_auth_fail.rawValue) }
    /// Whether this is a replayed or too-old packet.
    public var isReplay: Bool {
        status == Int32(srtp_err_status_replay_fail.rawValue) || status == Int32(srtp_err_status_replay_old.rawValue)
    }

    /// A one-line explanation naming the input or call at fault.
    public var description: String { "\(operation) failed: \(statusName) (\(status))" }

    /// The SDES key was not 30 bytes.
    public static func badKeyLength(_ n: Int) -> SRTPError {
        SRTPError(status: Int32(srtp_err_status_bad_param.rawValue), operation: "SDES key of \(n) bytes (expected 30)")
    }
    /// A packet too short or too long to process.
    public static func badPacketLength(_ n: Int, operation: String) -> SRTPError {
        SRTPError(status: Int32(srtp_err_status_bad_param.rawValue), operation: "\(operation) of a \(n)-byte packet")
    }
}

/// One direction of an SRTP session over libsrtp2: an outbound session
/// protects, an inbound one unprotects, both for RTP and RTCP: packets of any
/// SSRC, or of the SSRCs it was made for only (see `anySSRC` of the initialiser).
///
/// Each instance owns its `srtp_t`, freed in `deinit`. libsrtp is initialised
/// once per process on first use. Not thread-safe: one session belongs to
/// one stream direction (its replay window and rollover counter are state).
public final class SRTPSession {
    /// Which way packets go through this session.
    public enum Direction: Sendable, Hashable {
        /// `protect`: RTP -> SRTP.
        case outbound
        /// `unprotect`: SRTP -> RTP.
        case inbound
    }

    /// The largest RTP or RTCP packet accepted, in bytes.
    public static let maximumPacketLength = 8192
    /// Bytes `protect` may add to an RTP packet (tag + MKI).
    public static let maximumTrailerLength = Int(SRTP_MAX_TRAILER_LEN)
    /// Bytes `protectRTCP` may add to an RTCP packet (SRTCP index + tag + MKI).
    public static let maximumRTCPTrailerLength = Int(SRTP_MAX_TRAILER_LEN) + 4

    /// The crypto suite.
    public let suite: SRTPSuite
    /// The direction.
    public let direction: Direction
    let session: srtp_t

    /// The libsrtp2 version, e.g. `libsrtp2 2.5.0`.
    public static var libraryVersion: String {
        guard let s = srtp_get_version_string() else { return "libsrtp2" }
        return String(cString: s)
    }

    /// `srtp_init()` exactly once per process (Swift runs a global's initialiser once, thread-safely).
    private static let initStatus: Int32 = Int32(srtp_init().rawValue)

    /// Creates a session from SDES key material (30 bytes: master key || master salt).
    /// - Parameters:
    ///   - replayWindow: packets of the replay window (64...32768).
    ///   - ssrcs: SSRCs given a stream of their own from the start (besides the any-SSRC
    ///     template, which makes one on a new SSRC's first packet), each with the rollover
    ///     counter (RFC 3711 section 3.3.1) of its first packet; see ``setRolloverCounter(_:for:)``.
    ///   - anySSRC: whether packets of other SSRCs are processed too (through the any-SSRC
    ///     template). Without it the session holds only the streams of `ssrcs` (which must
    ///     not be empty) and refuses other SSRCs (`srtp_err_status_no_ctx`): a sender that
    ///     uses one SSRC saves the template, whose keys and cipher contexts cost as much
    ///     as a stream's (~30 KB with Debian's NSS-based libsrtp2; a stream cloned from the template for a new SSRC costs ~1 KB).
    public init(suite: SRTPSuite, key: some Collection<UInt8>, direction: Direction, replayWindow: Int = 1024,
                ssrcs: [UInt32: UInt32] = [:], anySSRC: Bool = true) throws(SRTPError) {
        guard Self.initStatus == 0 else { throw SRTPError(status: Self.initStatus, operation: "srtp_init") }
        let material = Array(key)
        guard material.count == SRTPSuite.keyLength else { throw .badKeyLength(material.count) }
        guard (64...32768).contains(replayWindow) else {
            throw SRTPError(status: Int32(srtp_err_status_bad_param.rawValue), operation: "replay window \(replayWindow)")
        }
        guard anySSRC || !ssrcs.isEmpty else {
            throw SRTPError(status: Int32(srtp_err_status_bad_param.rawValue), operation: "a session without SSRCs")
        }
        var created: srtp_t?
        let status = anySSRC ? material.withUnsafeBufferPointer { k in
            sb_srtp_create(&created, suite == .aesCM128HMACSHA1_32 ? 32 : 80, direction == .inbound ? 1 : 0,
                           k.baseAddress, UInt(replayWindow))
        } : srtp_create(&created, nil)
        guard status == srtp_err_status_ok, let created else {
            throw SRTPError(status: Int32(status.rawValue), operation: "srtp_create")
        }
        for (ssrc, roc) in ssrcs.sorted(by: { $0.key < $1.key }) {
            var added = material.withUnsafeBufferPointer { k in
                sb_srtp_add_ssrc_stream(created, suite == .aesCM128HMACSHA1_32 ? 32 : 80, k.baseAddress, UInt(replayWindow), ssrc)
            }
            if added == srtp_err_status_ok && roc != 0 { added = srtp_set_stream_roc(created, ssrc, roc) }
            guard added == srtp_err_status_ok else {
                srtp_dealloc(created)
                throw SRTPError(status: Int32(added.rawValue), operation: "srtp_add_stream for SSRC \(ssrc)")
            }
        }
        session = created
        self.suite = suite
        self.direction = direction
    }

    deinit { srtp_dealloc(session) }

    /// Sets the rollover counter of `ssrc`'s stream (`srtp_set_stream_roc`): libsrtp takes the
    /// next packet of that SSRC to have index `roc << 16 | seq` exactly (instead of estimating
    /// it from the last index), and tracks the index from there once that packet is processed.
    /// A counter of 0 cancels a pending one. Throws `bad_param` if the session has no stream
    /// for `ssrc` (see `ssrcs` of the initialiser).
    public func setRolloverCounter(_ roc: UInt32, for ssrc: UInt32) throws(SRTPError) {
        let status = srtp_set_stream_roc(session, ssrc, roc)
        guard status == srtp_err_status_ok else {
            throw SRTPError(status: Int32(status.rawValue), operation: "srtp_set_stream_roc for SSRC \(ssrc)")
        }
    }

    /// The rollover counter of the highest packet index processed for `ssrc`
    /// (`srtp_get_stream_roc`), or `nil` if the session has no stream for it.
    /// A counter set with ``setRolloverCounter(_:for:)`` shows only once a packet used it.
    public func rolloverCounter(for ssrc: UInt32) -> UInt32? {
        var roc: UInt32 = 0
        return srtp_get_stream_roc(session, ssrc, &roc) == srtp_err_status_ok ? roc : nil
    }
}
