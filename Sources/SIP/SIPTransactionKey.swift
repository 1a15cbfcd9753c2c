/// What matches a message to its transaction (RFC 3261 17.1.3 and 17.2.3).
///
/// - Server side (``SIPRequest/serverTransactionKey``): the top Via branch, its
///   sent-by and the method, ACK counting as INVITE (an ACK for a non-2xx final
///   response belongs to the INVITE server transaction; CANCEL has its own).
/// - Client side (``SIPResponse/clientTransactionKey``,
///   ``SIPRequest/clientTransactionKey``): the top Via branch and the CSeq method.
///
/// A request whose branch lacks the RFC 3261 magic cookie `z9hG4bK` (or is only
/// the cookie) comes from an RFC 2543 element: its key is made of Call-ID, CSeq
/// number, From tag and the whole top Via instead, prefixed `rfc2543|`.
public struct TransactionKey: Hashable, Sendable, CustomStringConvertible {
    /// The branch, or for an RFC 2543 request the identifier made in its place.
    public let branch: String
    /// The top Via sent-by, lowercased (server keys); empty for client keys.
    public let sentBy: String
    /// The method of the transaction (never ACK: ACK maps to INVITE).
    public let method: SIPMethod

    /// A key; the sent-by is lowercased and ACK becomes INVITE.
    public init(branch: String, sentBy: String = "", method: SIPMethod) {
        self.branch = branch
        self.sentBy = sentBy.lowercased()
        self.method = method == .ack ? .invite : method
    }

    /// `z9hG4bK776asdhds|pc33.example.com:5060|INVITE`.
    public var description: String { "\(branch)|\(sentBy)|\(method)" }

    /// The magic cookie that starts every RFC 3261 branch.
    public static let magicCookie = "z9hG4bK"

    static func isRFC3261(_ branch: String?) -> Bool {
        guard let branch else { return false }
        return branch.hasPrefix(magicCookie) && branch.count > magicCookie.count
    }
}

extension SIPRequest {
    /// The key of the server transaction this request belongs to (RFC 3261 17.2.3);
    /// nil without a readable top Via (or, for an RFC 2543 request, CSeq).
    public var serverTransactionKey: TransactionKey? {
        guard let via = topVia else { return nil }
        if TransactionKey.isRFC3261(via.branch), let branch = via.branch {
            return TransactionKey(branch: branch, sentBy: via.sentBy, method: method)
        }
        guard let cseq else { return nil }
        let fromTag = from?.tag ?? ""
        let legacy = "rfc2543|\(callID ?? "")|\(cseq.number)|\(fromTag)|\(via)"
        return TransactionKey(branch: legacy, sentBy: via.sentBy, method: method)
    }

    /// The key of the client transaction sending this request: top Via branch and
    /// method; nil without a top Via branch.
    public var clientTransactionKey: TransactionKey? {
        guard let branch = topVia?.branch else { return nil }
        return TransactionKey(branch: branch, method: method)
    }
}

extension SIPResponse {
    /// The key of the client transaction this response belongs to (RFC 3261
    /// 17.1.3): top Via branch and CSeq method; nil when either is missing.
    public var clientTransactionKey: TransactionKey? {
        guard let branch = topVia?.branch, let cseq else { return nil }
        return TransactionKey(branch: branch, method: cseq.method)
    }
}
