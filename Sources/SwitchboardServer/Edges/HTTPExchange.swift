import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request through URLSession's completion-handler API, awaited.
///
/// Not `URLSession.data(for:)`: on Linux (swift-corelibs-foundation) its
/// cancellation handler can deadlock with the request's completion (the
/// task's status lock held while `URLSessionTask.cancel()` waits on the
/// session queue that is completing it), which a task group cancelled at
/// shutdown hits. A request here is not cancelled with its task: it ends on
/// its own within `request.timeoutInterval`.
enum HTTPExchange {
    static func send(_ request: URLRequest, session: URLSession = .shared) async throws -> (Data, HTTPURLResponse?) {
        try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else {
                    continuation.resume(returning: (data ?? Data(), response as? HTTPURLResponse))
                }
            }.resume()
        }
    }
}
