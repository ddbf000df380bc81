import CountersignAppModel
import UserNotifications

/// The actions a sign-in notification offers, by category. The server picks
/// the category; the Notification Service Extension may narrow it to the
/// in-app one (or to none, for a push it could not verify).
enum NotificationCategories {
    static func register(on center: UNUserNotificationCenter) {
        // Unlocks the phone first: whoever holds a locked phone must not be
        // able to approve a sign-in with it.
        let approve = UNNotificationAction(
            identifier: NotificationIdentifiers.approveAction,
            title: "Approve",
            options: [.authenticationRequired]
        )
        // Opens the app, where the approval screen asks for Face ID.
        let approveInApp = UNNotificationAction(
            identifier: NotificationIdentifiers.approveAction,
            title: "Approve…",
            options: [.authenticationRequired, .foreground]
        )
        // Denying needs no unlock: the worst a stranger can do is refuse a
        // sign-in, which the user can simply try again.
        let deny = UNNotificationAction(
            identifier: NotificationIdentifiers.denyAction,
            title: "Deny",
            options: [.destructive]
        )
        let placeholder = "Sign-in request"
        center.setNotificationCategories([
            UNNotificationCategory(
                identifier: NotificationIdentifiers.requestCategory,
                actions: [approve, deny],
                intentIdentifiers: [],
                hiddenPreviewsBodyPlaceholder: placeholder,
                options: []
            ),
            UNNotificationCategory(
                identifier: NotificationIdentifiers.biometricCategory,
                actions: [approveInApp, deny],
                intentIdentifiers: [],
                hiddenPreviewsBodyPlaceholder: placeholder,
                options: []
            ),
            UNNotificationCategory(
                identifier: NotificationIdentifiers.inAppCategory,
                actions: [deny],
                intentIdentifiers: [],
                hiddenPreviewsBodyPlaceholder: placeholder,
                options: []
            ),
        ])
    }
}
