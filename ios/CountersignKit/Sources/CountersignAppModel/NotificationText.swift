// What a sign-in request's notification says and which actions it offers. The
// Notification Service Extension shows it once the core has verified the
// challenge; until then (and whenever verification fails) only the neutral
// text is shown, because an unverified payload may be forged.
import CountersignFFI
import Foundation

/// The names the server, the app and the extension share (docs/protocol.md,
/// "Push delivery"; ios/FACADE-API.md).
public enum NotificationIdentifiers {
    /// Approve and Deny from the notification itself.
    public static let requestCategory = "COUNTERSIGN_REQUEST"
    /// The server's choice when the challenge requires a biometric: Deny, and
    /// an Approve that opens the app.
    public static let biometricCategory = "COUNTERSIGN_REQUEST_BIOMETRIC"
    /// The extension's choice when the core says the request cannot be
    /// answered inline (a number to match, a biometric): Deny only.
    public static let inAppCategory = "COUNTERSIGN_REQUEST_IN_APP"
    /// No actions at all: what an unverified notification gets.
    public static let noCategory = ""

    public static let approveAction = "COUNTERSIGN_APPROVE"
    public static let denyAction = "COUNTERSIGN_DENY"

    /// Set in `userInfo` by the extension once the challenge verified, so a
    /// tap or an action knows the request without verifying it again.
    public static let requestIdKey = "countersign_request_id"
}

public enum NotificationText {
    public typealias Content = (title: String, body: String, category: String)

    /// Shown for anything the core did not verify (forged, expired, unreadable,
    /// a wake-up without a challenge) and when the extension runs out of time:
    /// it says nothing about the request and offers no action.
    public static let neutral: Content = (
        title: "Sign-in request",
        body: "Open Countersign to review it.",
        category: NotificationIdentifiers.noCategory
    )

    /// An Approve or Deny from the notification did not go through.
    public static let finishInAppTitle = "Open Countersign to finish"

    /// A verified request: the approval screen's title, then who, where, how
    /// and when, one fact a line; a risky request's warning comes first.
    public static func content(for request: PushRequestItem, now: Date) -> Content {
        let category = request.answerInline
            ? NotificationIdentifiers.requestCategory
            : NotificationIdentifiers.inAppCategory
        return (
            title: RequestText.title(request),
            body: bodyLines(request, now: now).joined(separator: "\n"),
            category: category
        )
    }

    /// Approved, and the sign-in screen now asks for a code only this phone
    /// shows (privacyIDEA): the code must be readable without opening the app.
    public static func approvedWithCode(code: String, message: String) -> (title: String, body: String) {
        (title: "\(message): \(code)", body: "Enter it where you are signing in.")
    }

    static func bodyLines(_ request: PushRequestItem, now: Date) -> [String] {
        var lines: [String] = []
        if let banner = RequestText.riskBanner(request) {
            lines.append(banner)
        }
        lines.append(RequestText.summary(request))
        if let message = request.message, !message.isEmpty {
            lines.append(message)
        }
        let place = [request.location, request.ip].compactMap { $0 }.filter { !$0.isEmpty }
        if !place.isEmpty {
            lines.append(place.joined(separator: " · "))
        }
        let client = [request.browser, request.os].compactMap { $0 }.filter { !$0.isEmpty }
        if !client.isEmpty {
            lines.append(client.joined(separator: " on "))
        }
        lines.append(attemptTime(request.time, now: now))
        if request.burst > 1 {
            lines.append(RequestText.burst(request.burst))
        }
        if let hint = inAppHint(request) {
            lines.append(hint)
        }
        return lines
    }

    /// Why Approve is missing from the notification, so the user knows to open the app.
    static func inAppHint(_ request: PushRequestItem) -> String? {
        guard !request.answerInline else { return nil }
        if let choices = request.numberChoices, !choices.isEmpty {
            return "Open Countersign to pick the number shown where you are signing in."
        }
        if RequestText.needsNumber(request) {
            return "Open Countersign to type the number shown where you are signing in."
        }
        return "Open Countersign to confirm it is you."
    }

    /// Relative while recent (a request lives five minutes at most), so the
    /// line reads right whatever the phone's time zone; the clock time after that.
    static func attemptTime(_ unixSeconds: Int64, now: Date) -> String {
        let age = Int64(now.timeIntervalSince1970.rounded(.down)) - unixSeconds
        // A relying party whose clock runs ahead makes a small negative age.
        if age < 60 {
            return "Just now"
        }
        if age < 3600 {
            return "\(age / 60) min ago"
        }
        let formatter = DateFormatter()
        formatter.dateStyle = .none
        formatter.timeStyle = .short
        return "At " + formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unixSeconds)))
    }
}
