import Countersign
import CountersignAppModel
import CountersignFFI
import Foundation
import UserNotifications

/// Rewrites a sign-in push before iOS shows it. The server's own text says
/// nothing about the request, since nothing is verified yet; here the core
/// checks the signed challenge against the server key pinned at enrollment,
/// and only a challenge that verified gets its resource, place and time
/// shown, and Approve when the core allows it. A forged, expired or
/// unreadable push (or one that takes too long) shows the neutral text
/// without actions: opening the app fetches the truth.
final class NotificationService: UNNotificationServiceExtension {
    /// One client per extension process (iOS may reuse it for several
    /// pushes), opened on demand and closed after each notification.
    private static let client: CountersignClient? = SharedStorage.sharedConfiguration().map {
        CountersignClient($0)
    }

    // didReceive and serviceExtensionTimeWillExpire may run on different
    // threads; the handler must be called exactly once.
    private let lock = NSLock()
    private var contentHandler: ((UNNotificationContent) -> Void)?
    private var original: UNNotificationContent?
    private var verification: Task<Void, Never>?

    override func didReceive(_ request: UNNotificationRequest,
                             withContentHandler contentHandler: @escaping (UNNotificationContent) -> Void) {
        let content = request.content
        lock.lock()
        self.contentHandler = contentHandler
        original = content
        lock.unlock()
        let verification = Task {
            let verified = await Self.verifiedContent(of: content)
            self.deliver(verified)
        }
        lock.lock()
        self.verification = verification
        lock.unlock()
    }

    override func serviceExtensionTimeWillExpire() {
        lock.lock()
        let content = original
        let verification = self.verification
        lock.unlock()
        verification?.cancel()
        deliver(Self.neutralContent(of: content))
    }

    private func deliver(_ content: UNNotificationContent) {
        lock.lock()
        let handler = contentHandler
        contentHandler = nil
        lock.unlock()
        // Either path may come second; the first one's content stands.
        guard let handler = handler else {
            return
        }
        // The vault's SQLite file must not stay open in the shared container
        // once iOS may suspend this process (0xdead10cc).
        Self.client?.suspend()
        handler(content)
    }

    private static func verifiedContent(of content: UNNotificationContent) async -> UNNotificationContent {
        // `nil` from the core is a wake-up without a challenge: nothing to show yet.
        guard let client = client,
              let request = try? await client.handlePushPayload(userInfo: content.userInfo),
              let rewritten = content.mutableCopy() as? UNMutableNotificationContent else {
            return neutralContent(of: content)
        }
        let text = NotificationText.content(for: request, now: Date())
        rewritten.title = text.title
        rewritten.subtitle = ""
        rewritten.body = text.body
        rewritten.categoryIdentifier = text.category
        // Verified once: a tap or an action need not verify again.
        rewritten.userInfo[NotificationIdentifiers.requestIdKey] = request.id
        return rewritten
    }

    /// The push as delivered (sound, thread, payload for the app to verify
    /// when opened), with the neutral text and no actions.
    private static func neutralContent(of content: UNNotificationContent?) -> UNNotificationContent {
        let neutral = (content?.mutableCopy() as? UNMutableNotificationContent) ?? UNMutableNotificationContent()
        neutral.title = NotificationText.neutral.title
        neutral.subtitle = ""
        neutral.body = NotificationText.neutral.body
        neutral.categoryIdentifier = NotificationText.neutral.category
        neutral.userInfo[NotificationIdentifiers.requestIdKey] = nil
        return neutral
    }
}
