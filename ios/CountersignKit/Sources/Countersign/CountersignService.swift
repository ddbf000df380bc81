import CountersignFFI
import Foundation

/// Everything the screens ask of the core. `CountersignClient` is the real one;
/// view-model tests use a fake. Every method throws `CountersignError` only.
public protocol CountersignService: AnyObject {
    /// The device identity the More screen shows and support asks for.
    func protectId() async throws -> String

    /// An account from a scanned or typed otpauth:// URI; returns its id.
    func addAccount(uri: String) async throws -> String

    /// What importing `file` would add; nothing is written. An encrypted file
    /// without `password` throws `.wrongPassword(passwordMissing: true, …)`.
    func previewImport(file: Data, password: String?) async throws -> ImportPlan

    /// Adds every new account of `file` in one transaction, or none; returns how many.
    func importFile(file: Data, password: String?) async throws -> UInt32

    func accounts(search: String?) async throws -> [AccountItem]

    /// Every account's code and countdown from one clock reading. The first
    /// call opens the codes screen: the core keeps each account's key state
    /// until `closeCodesView()`.
    func codes() async throws -> CodesView

    /// The codes of the view numbered `screen` one second later (only what
    /// changes crosses the FFI), or nil when that view is out of date: then
    /// call `codes()` again.
    func codesUpdate(screen: UInt64) async throws -> CodesUpdate?

    /// The codes screen is gone: the core drops and zeroizes its key states.
    func closeCodesView()

    /// The next HOTP code; the counter is saved before it is returned.
    func nextHotpCode(id: String) async throws -> String

    func rename(id: String, issuer: String?, name: String) async throws
    func moveAccount(id: String, position: UInt32) async throws
    func deleteAccount(id: String) async throws
    func diagnosticsEnabled() async throws -> Bool

    /// Off deletes the queued events and the install's random id at once.
    func setDiagnosticsEnabled(_ enabled: Bool) async throws

    /// The events waiting to be sent, each as the JSON that will leave the
    /// phone (empty while sharing is off).
    func diagnosticsQueue() async throws -> [String]

    /// True when batches may go over mobile data too (default: Wi-Fi only).
    func diagnosticsOnAnyNetwork() async throws -> Bool
    func setDiagnosticsOnAnyNetwork(_ onAnyNetwork: Bool) async throws

    /// The camera screen's outcome: frames read and milliseconds since the
    /// first. Best effort: a vault that cannot be opened loses the event.
    func noteScan(_ outcome: ScanEnd, frames: UInt32, millis: UInt32) async

    /// Sends the queue to `collector` (the app's build setting, never a push
    /// server) when sharing is on, an hour has passed since the last attempt
    /// and `network` is one the user allows; says which of these held.
    func sendDiagnostics(collector: URL, environment: DiagnosticsEnvironment,
                         network: NetworkKind) async throws -> DiagnosticsSent

    /// Enrolls this phone from a scanned or typed push enrollment code of
    /// either dialect. `scannedAt` is when the code was read: privacyIDEA's ttl
    /// counts from then, so a retry keeps the same deadline.
    func enrollPush(uri: String, scannedAt: Date, deviceName: String, pushToken: Data?,
                    acceptUncheckedCertificates: Bool) async throws -> PushAccountItem

    func pushAccounts() async throws -> [PushAccountItem]

    /// Removes a push account or privacyIDEA token from this phone only.
    func deletePushAccount(id: String) async throws

    /// The requests waiting for an answer, and the accounts whose servers
    /// could not be asked (for a banner).
    func pendingReport() async throws -> PendingView

    /// APNs gave a new token (nil: notifications off); returns the accounts to retry.
    func updatePushToken(_ token: Data?) async throws -> [PushFailureItem]

    /// The verified request a notification carries; nil means "fetch with
    /// `pendingReport`". A forged or expired challenge throws.
    func handlePushPayload(userInfo: [AnyHashable: Any]) async throws -> PushRequestItem?

    /// Approves, after `prompt` confirms the user when policy requires it.
    func approve(id: String, number: String?, prompt: BiometricPrompt) async throws -> AnswerResult

    func deny(id: String, reportFraud: Bool) async throws -> AnswerResult

    /// What the Watch shows for request `id` (it holds no keys).
    func watchRequest(id: String) async throws -> WatchRequest

    /// The Watch's answer, re-checked and signed on the phone.
    func answerFromWatch(id: String, approve: Bool, number: String?, reportFraud: Bool) async throws -> AnswerResult
}
