import Countersign
import CountersignFFI
import os.log
import UIKit
import UserNotifications

/// The APNs device token: asked for at every launch (APNs may hand out a new
/// one at any time, e.g. after a restore), and sent to every push server when
/// it changed or when its last sending did not reach them all. Until a server
/// has the current token it pushes to a dead one, and the phone only learns
/// of requests when the app fetches.
final class PushRegistration {
    private let client: CountersignClient
    private let defaults: UserDefaults
    private let log = OSLog(subsystem: "dev.countersign.app", category: "push")
    @MainActor private var askedThisLaunch = false

    private enum Key {
        static let token = "countersign.apnsToken"
        static let unsent = "countersign.apnsTokenUnsent"
    }

    init(client: CountersignClient, defaults: UserDefaults = .standard) {
        self.client = client
        self.defaults = defaults
    }

    /// The last token APNs gave.
    var token: Data? {
        defaults.data(forKey: Key.token)
    }

    @MainActor
    func start(_ application: UIApplication) {
        // Needs no permission: the token comes either way, and alerts show
        // once the user allows them.
        application.registerForRemoteNotifications()
    }

    /// Asks to show notifications, the first time the app is in front, if
    /// this phone approves sign-ins: a codes-only user never sees the
    /// question. (The enroll screen asks right after an enrollment.)
    @MainActor
    func askIfEnrolled() {
        guard !askedThisLaunch else {
            return
        }
        askedThisLaunch = true
        Task { @MainActor in
            await BackgroundActivity.run("Check push accounts", closingAfterwards: self.client) {
                let enrolled = (try? await self.client.pushAccounts().isEmpty == false) ?? false
                if enrolled {
                    self.requestAuthorization()
                }
            }
        }
    }

    /// Asks once; later calls return the user's earlier answer without a prompt.
    func requestAuthorization(completion: ((Bool) -> Void)? = nil) {
        UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound]) { granted, _ in
            DispatchQueue.main.async { completion?(granted) }
        }
    }

    @MainActor
    func registered(_ newToken: Data) {
        if newToken != token {
            defaults.set(newToken, forKey: Key.token)
            defaults.set(true, forKey: Key.unsent)
        }
        guard defaults.bool(forKey: Key.unsent) else {
            return
        }
        Task { @MainActor in
            await BackgroundActivity.run("Send the push token", closingAfterwards: self.client) {
                await self.send(newToken)
            }
        }
    }

    func failed(_ error: Error) {
        // The simulator and a build without the push entitlement end here;
        // the servers keep polling, nothing else changes.
        os_log("APNs registration failed: %{public}@", log: log, type: .error, String(describing: error))
    }

    @MainActor
    private func send(_ token: Data) async {
        do {
            let unreached = try await client.updatePushToken(token)
            // A token that rotated again meanwhile is sent by its own registration.
            if token == self.token {
                defaults.set(!unreached.isEmpty, forKey: Key.unsent)
            }
            for failure in unreached {
                os_log("push token not sent to %{public}@: %{public}@", log: log, type: .info,
                       failure.accountId, failure.reason)
            }
        } catch {
            os_log("push token not sent: %{public}@", log: log, type: .error,
                   CountersignError(any: error).message)
        }
    }
}
