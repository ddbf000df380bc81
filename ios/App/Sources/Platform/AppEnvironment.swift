import Countersign
import CountersignFFI
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
