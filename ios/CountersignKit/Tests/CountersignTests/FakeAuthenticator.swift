import CountersignFFI
import Foundation

/// A scripted core for the client's tests. `codes()` plays its script in order
/// (the last entry repeats); the push and diagnostics calls record what they
/// were given; every other requirement throws, so a test that strays there
/// fails loudly.
final class FakeAuthenticator: AuthenticatorProtocol, @unchecked Sendable {
    struct Enrollment: Equatable {
        var uri: String
        var scannedAt: Int64
        var deviceName: String
        var platform: String
        var pushToken: String?
        var acceptUncheckedCertificates: Bool
    }

    struct DiagnosticsSend: Equatable {
        var collectorUrl: String
        var environment: DiagnosticsEnvironment
        var network: NetworkKind
    }

    struct Scan: Equatable {
        var outcome: ScanEnd
        var frames: UInt32
        var millis: UInt32
    }

    private let lock = NSLock()
    private let codesScript: [Result<CodesView, FfiError>]
    private var codesCallTimes: [Date] = []
    private var codesViewsClosed = 0
    private var enrollments: [Enrollment] = []
    private var pushTokens: [String?] = []
    private var payloads: [Data] = []
    private let sendResult: Result<DiagnosticsSent, FfiError>
    private var sends: [DiagnosticsSend] = []
    private var scans: [Scan] = []
    private var onAnyNetwork = false
    private var queue: [String]

    init(codes: [Result<CodesView, FfiError>] = [.success(CodesView(now: 0, items: []))],
         diagnosticsSend: Result<DiagnosticsSent, FfiError> = .success(.nothingQueued),
         diagnosticsQueue: [String] = []) {
        precondition(!codes.isEmpty, "script at least one codes() result")
        codesScript = codes
        sendResult = diagnosticsSend
        queue = diagnosticsQueue
    }

    /// When each `codes()` call began.
    var codesCalls: [Date] { locked { codesCallTimes } }
    /// How many times the codes screen was closed.
    var codesViewCloses: Int { locked { codesViewsClosed } }
    var enrolled: [Enrollment] { locked { enrollments } }
    var updatedTokens: [String?] { locked { pushTokens } }
    var handledPayloads: [Data] { locked { payloads } }
    var diagnosticsSends: [DiagnosticsSend] { locked { sends } }
    var notedScans: [Scan] { locked { scans } }
    var onAnyNetworkSaved: Bool { locked { onAnyNetwork } }

    // Synchronous, so the lock is never held across an await.
    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func unscripted(_ name: String) -> FfiError {
        .Platform(reason: "FakeAuthenticator.\(name) is not scripted")
    }

    func codes() async throws -> CodesView {
        let result: Result<CodesView, FfiError> = locked {
            codesCallTimes.append(Date())
            return codesScript[min(codesCallTimes.count, codesScript.count) - 1]
        }
        return try result.get()
    }

    /// No ticks: the client's stream asks for a whole view every second.
    func codesUpdate(screen: UInt64) async throws -> CodesUpdate? {
        nil
    }

    func closeCodesView() {
        locked { codesViewsClosed += 1 }
    }

    func enrollPush(uri: String, scannedAt: Int64, deviceName: String, platform: String, pushToken: String?,
                    acceptUncheckedCertificates: Bool) async throws -> PushAccountItem {
        let enrollment = Enrollment(uri: uri, scannedAt: scannedAt, deviceName: deviceName, platform: platform,
                                    pushToken: pushToken, acceptUncheckedCertificates: acceptUncheckedCertificates)
        locked { enrollments.append(enrollment) }
        // What the server would say offline; the tests look at what was sent.
        throw FfiError.Network(reason: "offline")
    }

    func updatePushToken(pushToken: String?) async throws -> [PushFailureItem] {
        locked { pushTokens.append(pushToken) }
        return []
    }

    func handlePushPayload(payload: Data) async throws -> PushRequestItem? {
        locked { payloads.append(payload) }
        return nil
    }

    func protectId() async -> String {
        "fake-protect-id"
    }

    func diagnosticsQueue() async throws -> [String] {
        locked { queue }
    }

    func diagnosticsOnAnyNetwork() async throws -> Bool {
        locked { onAnyNetwork }
    }

    func setDiagnosticsOnAnyNetwork(any value: Bool) async throws {
        locked { onAnyNetwork = value }
    }

    func noteScan(outcome: ScanEnd, frames: UInt32, millis: UInt32) async {
        locked { scans.append(Scan(outcome: outcome, frames: frames, millis: millis)) }
    }

    func sendDiagnostics(collectorUrl: String, environment: DiagnosticsEnvironment,
                         network: NetworkKind) async throws -> DiagnosticsSent {
        let send = DiagnosticsSend(collectorUrl: collectorUrl, environment: environment, network: network)
        let result: Result<DiagnosticsSent, FfiError> = locked {
            sends.append(send)
            return sendResult
        }
        return try result.get()
    }

    func accounts(search: String?) async throws -> [AccountItem] {
        throw unscripted("accounts")
    }

    func addAccount(uri: String) async throws -> String {
        throw unscripted("addAccount")
    }

    func answerFromWatch(id: String, approve: Bool, number: String?, reportFraud: Bool) async throws -> AnswerResult {
        throw unscripted("answerFromWatch")
    }

    func approve(id: String, number: String?, prompt: BiometricPrompt) async throws -> AnswerResult {
        throw unscripted("approve")
    }

    func deleteAccount(id: String) async throws {
        throw unscripted("deleteAccount")
    }

    func deletePushAccount(id: String) async throws {
        throw unscripted("deletePushAccount")
    }

    func deny(id: String, reportFraud: Bool) async throws -> AnswerResult {
        throw unscripted("deny")
    }

    func diagnosticsEnabled() async throws -> Bool {
        throw unscripted("diagnosticsEnabled")
    }

    func importFile(file: Data, password: String?) async throws -> UInt32 {
        throw unscripted("importFile")
    }

    func moveAccount(id: String, position: UInt32) async throws {
        throw unscripted("moveAccount")
    }

    func nextHotpCode(id: String) async throws -> String {
        throw unscripted("nextHotpCode")
    }

    func pendingReport() async throws -> PendingView {
        throw unscripted("pendingReport")
    }

    func pendingRequests() async throws -> [PushRequestItem] {
        throw unscripted("pendingRequests")
    }

    func previewImport(file: Data, password: String?) async throws -> ImportPlan {
        throw unscripted("previewImport")
    }

    func pushAccounts() async throws -> [PushAccountItem] {
        throw unscripted("pushAccounts")
    }

    func rename(id: String, issuer: String?, name: String) async throws {
        throw unscripted("rename")
    }

    func setDiagnosticsEnabled(enabled: Bool) async throws {
        throw unscripted("setDiagnosticsEnabled")
    }

    func watchRequest(id: String) async throws -> WatchRequest {
        throw unscripted("watchRequest")
    }
}

/// Opens a new fake each time and counts the opens; the first `failures`
/// opens throw, as a locked Keychain would.
final class CountingOpener: @unchecked Sendable {
    private let lock = NSLock()
    private let codes: [Result<CodesView, FfiError>]
    private var failuresLeft: Int
    private var count = 0
    private weak var newest: FakeAuthenticator?

    init(failures: Int = 0, codes: [Result<CodesView, FfiError>] = [.success(CodesView(now: 0, items: []))]) {
        failuresLeft = failures
        self.codes = codes
    }

    var opens: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    /// The last fake opened, while something still holds it.
    var latest: FakeAuthenticator? {
        lock.lock()
        defer { lock.unlock() }
        return newest
    }

    func open() throws -> AuthenticatorProtocol {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        if failuresLeft > 0 {
            failuresLeft -= 1
            throw FfiError.KeyStore(reason: "the Keychain is locked")
        }
        let fake = FakeAuthenticator(codes: codes)
        newest = fake
        return fake
    }
}

/// The error `body` threw, or nil when it returned.
func thrownError<T>(_ body: () async throws -> T) async -> Error? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}

func codesView(_ now: Int64) -> CodesView {
    CodesView(now: now, items: [])
}
