// The sign-in requests waiting on this phone, and a banner for each account
// whose server could not be asked (one failing server never hides another's
// requests). Fetched when the screen shows and when the user refreshes.
import Combine
import Countersign
import CountersignFFI
import Foundation

public final class PendingModel: ObservableObject {
    public struct Row: Identifiable, Equatable {
        public let request: PushRequestItem
        public var id: String { request.id }
        public var title: String { RequestText.title(request) }
        public var summary: String { RequestText.summary(request) }
    }

    public static let nothingWaiting = "No sign-in requests are waiting."

    @Published public private(set) var rows: [Row] = []
    /// One line per account whose server did not answer.
    @Published public private(set) var banners: [String] = []
    /// The whole fetch failed (the vault, not one server).
    @Published public private(set) var failure: String? = nil
    @Published public private(set) var isLoading = false
    @Published public private(set) var hasLoaded = false

    private let service: CountersignService

    public init(service: CountersignService) {
        self.service = service
    }

    public var emptyText: String? {
        hasLoaded && rows.isEmpty && failure == nil ? PendingModel.nothingWaiting : nil
    }

    @MainActor
    public func refresh() async {
        guard !isLoading else { return }
        isLoading = true
        defer { isLoading = false }
        do {
            let report = try await service.pendingReport()
            rows = report.requests.map { Row(request: $0) }
            banners = await bannerLines(report.failures)
            failure = nil
        } catch {
            failure = ErrorText(any: error).full
        }
        hasLoaded = true
    }

    /// "Example Corp · jane: could not reach the server …"; the account's name
    /// is looked up best-effort, the reason alone is shown without it.
    @MainActor
    private func bannerLines(_ failures: [PushFailureItem]) async -> [String] {
        guard !failures.isEmpty else { return [] }
        let accounts = (try? await service.pushAccounts()) ?? []
        return failures.map { failure in
            let reason = ErrorText.sentence(failure.reason)
            guard let account = accounts.first(where: { $0.id == failure.accountId }) else { return reason }
            return "\(account.org) · \(account.user): \(reason)"
        }
    }
}
