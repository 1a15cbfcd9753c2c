/// The class of a response status code, as the transaction machines see it
/// (RFC 3261 7.2, 21). Nil for codes outside 100...699.
enum TransactionResponseClass: Sendable, Hashable {
    /// 100-199.
    case provisional
    /// 200-299.
    case success
    /// 300-699.
    case failure

    init?(status: Int) {
        switch status {
        case 100...199: self = .provisional
        case 200...299: self = .success
        case 300...699: self = .failure
        default: return nil
        }
    }
}
