// The More screen: the diagnostics settings (Share Diagnostic Data, mobile
// data too, What is shared), this phone's sign-in approval accounts (with
// Remove), the Protect ID to copy, the version and the help, terms and
// privacy links.
import Combine
import Countersign
import CountersignFFI
import Foundation

public final class MoreModel: ObservableObject {
    public struct PushAccountRow: Identifiable, Equatable {
        public let account: PushAccountItem
        public var id: String { account.id }
        public var title: String { "\(account.org) · \(account.user)" }
        /// "active", "moved to another device" …, and the certificate warning when it applies.
        public var detail: String {
            let status = MoreModel.statusText(account.status)
            return account.certificateChecks ? status : "\(status) · certificate checks off"
        }
    }

    public static let helpURL = URL(string: "https://countersign.dev/help")
    public static let termsURL = URL(string: "https://countersign.dev/terms")
    public static let privacyURL = URL(string: "https://countersign.dev/privacy")
    public static let removeTitle = "Stop approving sign-ins here?"
    public static let removeBody =
        "This phone will no longer get sign-in requests for this account. Enroll again from your organization's portal to undo it."

    public let version: String

    @Published public private(set) var protectId: String? = nil
    @Published public private(set) var diagnosticsEnabled = false
    /// Batches may go over mobile data too, not only Wi-Fi.
    @Published public private(set) var diagnosticsOnAnyNetwork = false
    /// The toggles are usable once the saved values are known.
    @Published public private(set) var diagnosticsLoaded = false
    /// "What is shared": every field a batch can carry (empty until `loadWhatIsShared`).
    @Published public private(set) var sharedFields: [SharedFieldItem] = []
    /// Below that list: what is never shared.
    @Published public private(set) var neverSharedFooter = ""
    @Published public private(set) var pushAccounts: [PushAccountRow] = []
    /// The Remove confirmation is up for this account.
    @Published public var pendingRemoval: PushAccountRow? = nil
    @Published public var notice: String? = nil

    private let service: CountersignService
    private let disclosure: () -> DiagnosticsDisclosure

    /// `disclosure` gives what "What is shared" lists; the core's own list
    /// unless a test passes another.
    public init(service: CountersignService, version: String,
                disclosure: @escaping () -> DiagnosticsDisclosure = DiagnosticsDisclosure.fromCore) {
        self.service = service
        self.version = version
        self.disclosure = disclosure
    }

    public var versionText: String {
        "Version \(version)"
    }

    @MainActor
    public func load() async {
        do {
            diagnosticsEnabled = try await service.diagnosticsEnabled()
            diagnosticsOnAnyNetwork = try await service.diagnosticsOnAnyNetwork()
            diagnosticsLoaded = true
            protectId = try await service.protectId()
        } catch {
            notice = ErrorText(any: error).full
        }
        await loadPushAccounts()
    }

    /// Saves at once; a failed save puts the toggle back and says why.
    @MainActor
    public func setDiagnostics(_ enabled: Bool) async {
        guard diagnosticsLoaded, enabled != diagnosticsEnabled else { return }
        diagnosticsEnabled = enabled
        do {
            try await service.setDiagnosticsEnabled(enabled)
        } catch {
            diagnosticsEnabled = !enabled
            notice = ErrorText(any: error).full
        }
    }

    /// "Send over mobile data too" means something only while sharing is on.
    public var networkToggleEnabled: Bool {
        diagnosticsLoaded && diagnosticsEnabled
    }

    /// Saves at once; a failed save puts the toggle back and says why.
    @MainActor
    public func setDiagnosticsOnAnyNetwork(_ onAnyNetwork: Bool) async {
        guard diagnosticsLoaded, onAnyNetwork != diagnosticsOnAnyNetwork else { return }
        diagnosticsOnAnyNetwork = onAnyNetwork
        do {
            try await service.setDiagnosticsOnAnyNetwork(onAnyNetwork)
        } catch {
            diagnosticsOnAnyNetwork = !onAnyNetwork
            notice = ErrorText(any: error).full
        }
    }

    /// Fills "What is shared" (the core answers at once, from constants). On
    /// the main thread, like every change a view observes.
    public func loadWhatIsShared() {
        let shown = disclosure()
        sharedFields = shown.fields
        neverSharedFooter = shown.neverShared.isEmpty ? "" : "Never shared: \(shown.neverShared)."
    }

    /// The Protect ID for the pasteboard (the view copies it; it is not a secret).
    public func copyProtectId() -> String? {
        guard let id = protectId else { return nil }
        notice = "Protect ID copied"
        return id
    }

    public func requestRemoval(_ row: PushAccountRow) {
        pendingRemoval = row
    }

    /// Forgets the account here (the server is told, best effort, by the core).
    /// Takes the row itself: an alert clears `pendingRemoval` as it closes.
    @MainActor
    public func remove(_ row: PushAccountRow) async {
        pendingRemoval = nil
        do {
            try await service.deletePushAccount(id: row.id)
        } catch {
            notice = ErrorText(any: error).full
        }
        await loadPushAccounts()
    }

    @MainActor
    private func loadPushAccounts() async {
        do {
            pushAccounts = try await service.pushAccounts().map { PushAccountRow(account: $0) }
        } catch {
            notice = ErrorText(any: error).full
        }
    }

    public static func statusText(_ status: PushAccountStatus) -> String {
        switch status {
        case .active: return "active"
        case .replaced: return "moved to another device"
        case .revoked: return "removed by your administrator"
        }
    }
}
