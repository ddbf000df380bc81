import Countersign
import CountersignAppModel
import CountersignFFI
import Foundation
import UserNotifications

/// What the user does with a sign-in notification: Approve and Deny from the
/// notification are answered here, in the background; a tap opens the
/// approval screen. The core checks every answer again (a number to match, a
/// biometric), so an action can never approve more than the app could.
final class NotificationResponder: NSObject, UNUserNotificationCenterDelegate {
    /// Posted on the main thread when a notification asks to show a request;
    /// `userInfo[requestIdKey]` is its id, absent when the push could not be
    /// verified (then the screens show what is pending).
    static let openRequest = Notification.Name("CountersignOpenRequest")
    static let requestIdKey = "requestId"

    /// The last request a notification asked to open, for a screen that only
    /// starts observing after the post (a tap that launched the app).
    @MainActor
    static func takeRequestToOpen() -> String? {
        defer { requestToOpen = nil }
        return requestToOpen
    }

    @MainActor
    private static var requestToOpen: String?

    private let client: CountersignClient
    private let prompt: BiometricPrompt
    private let requestArrived: @MainActor (String) -> Void

    /// `requestArrived`: a verified request was delivered while the app is open.
    init(client: CountersignClient, prompt: BiometricPrompt, requestArrived: @escaping @MainActor (String) -> Void) {
        self.client = client
        self.prompt = prompt
        self.requestArrived = requestArrived
    }

    // While the app is open the banner shows all the same: a request
    // elsewhere on screen is easy to miss, and it expires in minutes.
    func userNotificationCenter(_ center: UNUserNotificationCenter, willPresent notification: UNNotification,
                                withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void) {
        if #available(iOS 14.0, *) {
            completionHandler([.banner, .list, .sound])
        } else {
            completionHandler([.alert, .sound])
        }
        if let id = notification.request.content.userInfo[NotificationIdentifiers.requestIdKey] as? String {
            Task { @MainActor in self.requestArrived(id) }
        }
    }

    func userNotificationCenter(_ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse,
                                withCompletionHandler completionHandler: @escaping () -> Void) {
        let content = response.notification.request.content
        let action = response.actionIdentifier
        Task { @MainActor in
            await self.respond(to: action, category: content.categoryIdentifier, userInfo: content.userInfo)
            completionHandler()
        }
    }

    @MainActor
    private func respond(to action: String, category: String, userInfo: [AnyHashable: Any]) async {
        switch action {
        case NotificationIdentifiers.approveAction where category == NotificationIdentifiers.requestCategory:
            await answer(userInfo, approve: true)
        case NotificationIdentifiers.denyAction:
            await answer(userInfo, approve: false)
        case NotificationIdentifiers.approveAction, UNNotificationDefaultActionIdentifier:
            // The biometric category's Approve opens the app: the approval
            // screen shows the request and asks for Face ID there.
            await open(userInfo)
        default:
            // Dismissed: the request stays pending until it expires.
            break
        }
    }

    @MainActor
    private func answer(_ userInfo: [AnyHashable: Any], approve: Bool) async {
        let name = approve ? "Approve a sign-in" : "Deny a sign-in"
        await BackgroundActivity.run(name, closingAfterwards: client) {
            guard let id = await self.requestId(in: userInfo) else {
                let text = "This request could not be checked."
                self.notify(title: NotificationText.finishInAppTitle, body: text, requestId: nil)
                return
            }
            do {
                let result: AnswerResult
                if approve {
                    // The inline category is only given to requests that need
                    // no prompt, so `prompt` is there for the core's rules, not shown.
                    result = try await self.client.approve(id: id, number: nil, prompt: self.prompt)
                } else {
                    result = try await self.client.deny(id: id, reportFraud: false)
                }
                self.report(result, requestId: id)
            } catch {
                // A number, Face ID, the network: the approval screen can do what this could not.
                self.notify(title: NotificationText.finishInAppTitle, body: ErrorText(any: error).full, requestId: id)
            }
        }
    }

    @MainActor
    private func report(_ result: AnswerResult, requestId: String) {
        switch result {
        case .approved, .denied:
            break
        case let .approvedShowCode(code, message):
            let text = NotificationText.approvedWithCode(code: code, message: message)
            notify(title: text.title, body: text.body, requestId: nil)
        }
    }

    @MainActor
    private func open(_ userInfo: [AnyHashable: Any]) async {
        let id = await requestId(in: userInfo)
        Self.requestToOpen = id
        let details: [AnyHashable: Any]? = id.map { [Self.requestIdKey: $0] }
        NotificationCenter.default.post(name: Self.openRequest, object: nil, userInfo: details)
    }

    /// The extension put the verified id in; when it could not (it ran out of
    /// time, the phone had not been unlocked since it started), verify here.
    @MainActor
    private func requestId(in userInfo: [AnyHashable: Any]) async -> String? {
        if let id = userInfo[NotificationIdentifiers.requestIdKey] as? String {
            return id
        }
        return try? await client.handlePushPayload(userInfo: userInfo)?.id
    }

    @MainActor
    private func notify(title: String, body: String, requestId: String?) {
        let content = UNMutableNotificationContent()
        content.title = title
        content.body = body
        content.sound = .default
        if let id = requestId {
            content.userInfo = [NotificationIdentifiers.requestIdKey: id]
        }
        let identifier = "countersign.local." + (requestId ?? UUID().uuidString)
        UNUserNotificationCenter.current().add(UNNotificationRequest(identifier: identifier, content: content, trigger: nil))
    }
}
