import UIKit
import UserNotifications

/// Launch wiring. The notification delegate must be in place before launch
/// ends: a tap or an action that launched the app is delivered right after.
@main
final class AppDelegate: UIResponder, UIApplicationDelegate {
    private var notificationResponder: NotificationResponder?

    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]?) -> Bool {
        let environment = AppEnvironment.shared
        let center = UNUserNotificationCenter.current()
        NotificationCategories.register(on: center)
        let responder = NotificationResponder(
            client: environment.client,
            prompt: environment.prompt,
            requestArrived: { id in AppEnvironment.shared.watchRelay.offer(requestId: id) }
        )
        // The center keeps its delegate weakly.
        notificationResponder = responder
        center.delegate = responder
        environment.pushRegistration.start(application)
        environment.watchRelay.startSession()
        environment.sendDiagnostics()
        return true
    }

    func application(_ application: UIApplication,
                     didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        AppEnvironment.shared.pushRegistration.registered(deviceToken)
    }

    func application(_ application: UIApplication,
                     didFailToRegisterForRemoteNotificationsWithError error: Error) {
        AppEnvironment.shared.pushRegistration.failed(error)
    }
}
