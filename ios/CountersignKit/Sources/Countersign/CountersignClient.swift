import CountersignFFI
import Foundation

/// The real `CountersignService`: each call is a thin call into the Rust core.
///
/// The vault is opened on first use and closed by `suspend()`, so the app and
/// its Notification Service Extension never hold the SQLite file open while
/// iOS suspends them (which would get the process killed with 0xdead10cc).
public final class CountersignClient: CountersignService, @unchecked Sendable {
    // Sendable by hand: `core` is only read and written under `lock`, and
    // `opening` runs only under it.
    private let opening: () throws -> AuthenticatorProtocol
    private let lock = NSLock()
    private var core: AuthenticatorProtocol?

    public convenience init(_ configuration: Configuration) {
        self.init(opening: {
            try Authenticator.open(
                path: configuration.vaultPath,
                keyStore: configuration.keyStore,
                hardwareKeys: configuration.hardwareKeys
            )
        })
    }

    /// For tests: opens with the given function instead of `Authenticator.open`.
    public init(opening: @escaping () throws -> AuthenticatorProtocol) {
        self.opening = opening
    }

    /// Closes the vault (app to background, extension done): the SQLite file is
    /// not held open while suspended (0xdead10cc). The next call reopens it.
    /// A call in flight keeps its own reference and finishes first.
    public func suspend() {
        lock.lock()
        defer { lock.unlock() }
        // The Rust object is freed when the last reference goes, which may be
        // a call still in flight.
        core = nil
    }

    // Synchronous on purpose: the lock is never held across an await. Opening
    // under the lock makes concurrent first calls share one open vault.
    private func openCore() throws -> AuthenticatorProtocol {
        lock.lock()
        defer { lock.unlock() }
        if let core = core {
            return core
        }
        let opened = try opening()
        core = opened
        return opened
    }

    private func call<T>(_ body: (AuthenticatorProtocol) async throws -> T) async throws -> T {
        do {
            let core = try openCore()
            return try await body(core)
        } catch {
            throw CountersignError(any: error)
        }
    }

    public func protectId() async throws -> String {
        try await call { await $0.protectId() }
    }

    public func addAccount(uri: String) async throws -> String {
        try await call { try await $0.addAccount(uri: uri) }
    }

    public func previewImport(file: Data, password: String?) async throws -> ImportPlan {
        try await call { try await $0.previewImport(file: file, password: password) }
    }

    public func importFile(file: Data, password: String?) async throws -> UInt32 {
        try await call { try await $0.importFile(file: file, password: password) }
    }

    public func accounts(search: String?) async throws -> [AccountItem] {
        try await call { try await $0.accounts(search: search) }
    }

    public func codes() async throws -> CodesView {
        try await call { try await $0.codes() }
    }

    public func codesUpdate(screen: UInt64) async throws -> CodesUpdate? {
        try await call { try await $0.codesUpdate(screen: screen) }
    }

    public func closeCodesView() {
        // A closed vault holds no screen: nothing to open for this.
        lock.lock()
        let open = core
        lock.unlock()
        open?.closeCodesView()
    }

    public func nextHotpCode(id: String) async throws -> String {
        try await call { try await $0.nextHotpCode(id: id) }
    }

    public func rename(id: String, issuer: String?, name: String) async throws {
        try await call { try await $0.rename(id: id, issuer: issuer, name: name) }
    }

    public func moveAccount(id: String, position: UInt32) async throws {
        try await call { try await $0.moveAccount(id: id, position: position) }
    }

    public func deleteAccount(id: String) async throws {
        try await call { try await $0.deleteAccount(id: id) }
    }

    public func diagnosticsEnabled() async throws -> Bool {
        try await call { try await $0.diagnosticsEnabled() }
    }

    public func setDiagnosticsEnabled(_ enabled: Bool) async throws {
        try await call { try await $0.setDiagnosticsEnabled(enabled: enabled) }
    }

    public func diagnosticsQueue() async throws -> [String] {
        try await call { try await $0.diagnosticsQueue() }
    }

    public func diagnosticsOnAnyNetwork() async throws -> Bool {
        try await call { try await $0.diagnosticsOnAnyNetwork() }
    }

    public func setDiagnosticsOnAnyNetwork(_ onAnyNetwork: Bool) async throws {
        try await call { try await $0.setDiagnosticsOnAnyNetwork(any: onAnyNetwork) }
    }

    public func noteScan(_ outcome: ScanEnd, frames: UInt32, millis: UInt32) async {
        // The core's noteScan cannot fail; only opening the vault can, and a
        // lost diagnostics event is not worth telling anyone about.
        try? await call { await $0.noteScan(outcome: outcome, frames: frames, millis: millis) }
    }

    public func sendDiagnostics(collector: URL, environment: DiagnosticsEnvironment,
                                network: NetworkKind) async throws -> DiagnosticsSent {
        let collectorUrl = collector.absoluteString
        return try await call {
            try await $0.sendDiagnostics(collectorUrl: collectorUrl, environment: environment, network: network)
        }
    }

    public func enrollPush(uri: String, scannedAt: Date, deviceName: String, pushToken: Data?,
                           acceptUncheckedCertificates: Bool) async throws -> PushAccountItem {
        // The core counts privacyIDEA's ttl in whole Unix seconds.
        let scannedAtSeconds = Int64(scannedAt.timeIntervalSince1970.rounded(.down))
        let token = pushToken.map(apnsTokenHex)
        return try await call {
            try await $0.enrollPush(
                uri: uri,
                scannedAt: scannedAtSeconds,
                deviceName: deviceName,
                platform: "ios",
                pushToken: token,
                acceptUncheckedCertificates: acceptUncheckedCertificates
            )
        }
    }

    public func pushAccounts() async throws -> [PushAccountItem] {
        try await call { try await $0.pushAccounts() }
    }

    public func deletePushAccount(id: String) async throws {
        try await call { try await $0.deletePushAccount(id: id) }
    }

    public func pendingReport() async throws -> PendingView {
        try await call { try await $0.pendingReport() }
    }

    public func updatePushToken(_ token: Data?) async throws -> [PushFailureItem] {
        let hex = token.map(apnsTokenHex)
        return try await call { try await $0.updatePushToken(pushToken: hex) }
    }

    public func handlePushPayload(userInfo: [AnyHashable: Any]) async throws -> PushRequestItem? {
        let payload = try notificationJSON(userInfo)
        return try await call { try await $0.handlePushPayload(payload: payload) }
    }

    public func approve(id: String, number: String?, prompt: BiometricPrompt) async throws -> AnswerResult {
        try await call { try await $0.approve(id: id, number: number, prompt: prompt) }
    }

    public func deny(id: String, reportFraud: Bool) async throws -> AnswerResult {
        try await call { try await $0.deny(id: id, reportFraud: reportFraud) }
    }

    public func watchRequest(id: String) async throws -> WatchRequest {
        try await call { try await $0.watchRequest(id: id) }
    }

    public func answerFromWatch(id: String, approve: Bool, number: String?,
                                reportFraud: Bool) async throws -> AnswerResult {
        try await call {
            try await $0.answerFromWatch(id: id, approve: approve, number: number, reportFraud: reportFraud)
        }
    }
}

/// The notification's `userInfo` as the JSON object the core verifies.
///
/// JSONSerialization raises an Objective-C exception (a crash, not a Swift
/// error) on values JSON cannot hold, so they are checked first; such a
/// payload did not come from a Countersign server, hence `.untrusted`, as the
/// core calls a payload that is not JSON.
private func notificationJSON(_ userInfo: [AnyHashable: Any]) throws -> Data {
    var object: [String: Any] = [:]
    for (key, value) in userInfo {
        guard let name = key as? String else {
            throw CountersignError.untrusted(reason: "the notification's payload is not JSON")
        }
        object[name] = value
    }
    guard JSONSerialization.isValidJSONObject(object) else {
        throw CountersignError.untrusted(reason: "the notification's payload is not JSON")
    }
    do {
        return try JSONSerialization.data(withJSONObject: object)
    } catch {
        throw CountersignError.untrusted(reason: "the notification's payload is not JSON")
    }
}
