import Countersign
import CountersignFFI
import os.log
import UIKit

/// The app's long-lived objects, made once: the screens take
/// `AppEnvironment.shared.client` as their `CountersignService` and
/// `AppEnvironment.shared.prompt` for approvals.
final class AppEnvironment {
    static let shared = AppEnvironment()

    let client: CountersignClient
    let prompt: BiometricPrompt
    let pushRegistration: PushRegistration
    let watchRelay: PhoneWatchRelay
    /// The one network monitor: diagnostics go over Wi-Fi only unless the
    /// user allows mobile data too.
    let network = NetworkWatch()

    @MainActor private var sendingDiagnostics = false
    private let log = OSLog(subsystem: "dev.countersign.app", category: "diagnostics")

    private init() {
        let configuration = SharedStorage.sharedConfiguration() ?? SharedStorage.privateConfiguration()
        client = CountersignClient(configuration)
        prompt = LocalAuthenticationPrompt()
        pushRegistration = PushRegistration(client: client)
        watchRelay = PhoneWatchRelay(client: client)
    }

    /// The APNs token to enroll with; nil until APNs has given one (the
    /// server then polls until `updatePushToken` tells it).
    var pushToken: Data? {
        pushRegistration.token
    }

    /// For screens that answer a request or change the vault: the call
    /// finishes even if the user leaves the app meanwhile (see BackgroundActivity).
    @MainActor
    func finishingInBackground<T>(_ name: String, _ work: () async throws -> T) async rethrows -> T {
        try await BackgroundActivity.run(name, closingAfterwards: client, work)
    }

    @MainActor
    func enteringForeground() {
        pushRegistration.askIfEnrolled()
        watchRelay.startSharingCodes()
        sendDiagnostics()
    }

    /// At launch and at every return to the foreground: the core sends the
    /// queued diagnostics only when sharing is on, an hour has passed since
    /// its last attempt and the network is one the user allows, so asking
    /// often costs a vault read. One send at a time (launch asks twice: the
    /// app, then its first scene entering the foreground).
    @MainActor
    func sendDiagnostics() {
        guard !sendingDiagnostics else {
            return
        }
        guard let collector = DiagnosticsCollector.url else {
            os_log("no diagnostics collector is configured (%{public}@)", log: log, type: .info,
                   DiagnosticsCollector.infoKey)
            return
        }
        sendingDiagnostics = true
        let environment = DiagnosticsEnvironment.current(appVersion: DiagnosticsEnvironment.marketingVersion)
        Task { @MainActor in
            await BackgroundActivity.run("Send diagnostics", closingAfterwards: self.client) {
                let network = await self.network.current()
                do {
                    let sent = try await self.client.sendDiagnostics(
                        collector: collector, environment: environment, network: network
                    )
                    os_log("diagnostics: %{public}@", log: self.log, type: .info, String(describing: sent))
                } catch {
                    os_log("diagnostics not sent: %{public}@", log: self.log, type: .info,
                           CountersignError(any: error).message)
                }
            }
            self.sendingDiagnostics = false
        }
    }

    /// The vault is closed while the app is not in use (0xdead10cc); work
    /// begun through `finishingInBackground` keeps its own reference and
    /// closes it again when done.
    @MainActor
    func enteredBackground() {
        watchRelay.stopSharingCodes()
        client.suspend()
        // A read a screen began just before it heard of the background (a
        // codes tick) reopens the vault; a moment later it is closed again.
        Task { @MainActor in
            await BackgroundActivity.run("Close the vault", closingAfterwards: self.client) {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        }
    }
}
