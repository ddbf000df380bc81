// How a sign-in request reads, shared by the request list and the approval
// screen so both say the same thing.
import CountersignFFI
import Foundation

public enum RequestText {
    public static func title(kind: ChallengeKind, resource: String) -> String {
        switch kind {
        case .login: return "Sign in to \(resource)?"
        case .stepUp: return "Confirm an action in \(resource)?"
        case .passwordReset: return "Reset your password for \(resource)?"
        // The server asks this phone to confirm its own new enrollment.
        case .enrollmentConfirm: return "Finish enrolling this phone with \(resource)?"
        }
    }

    public static func title(_ request: PushRequestItem) -> String {
        title(kind: request.kind, resource: request.resourceName)
    }

    /// "jane · Example Corp": whose sign-in it is.
    public static func summary(_ request: PushRequestItem) -> String {
        "\(request.user) · \(request.org)"
    }

    /// Where and how the sign-in was attempted, one fact a line; missing facts are left out.
    public static func details(_ request: PushRequestItem, timeZone: TimeZone = .current) -> [String] {
        var lines: [String] = []
        if let message = request.message, !message.isEmpty { lines.append(message) }
        let place = [request.location, request.ip].compactMap { $0 }.filter { !$0.isEmpty }
        if !place.isEmpty { lines.append(place.joined(separator: " · ")) }
        let client = [request.browser, request.os].compactMap { $0 }.filter { !$0.isEmpty }
        if !client.isEmpty { lines.append(client.joined(separator: " on ")) }
        lines.append(time(request.time, timeZone: timeZone))
        if request.burst > 1 { lines.append(burst(request.burst)) }
        return lines
    }

    /// What a request the server judged risky says above its details, the
    /// reasons in the user's words ("a new location"); nil for a low-risk
    /// request. The Android app says the same, with its own unlock words.
    public static func riskBanner(level: RiskLevel, reasons: [String]) -> String? {
        let why = reasons.isEmpty ? "" : ": " + reasons.joined(separator: ", ")
        switch level {
        case .low:
            return nil
        case .medium:
            return "Unusual sign-in\(why)"
        case .high:
            return "High-risk sign-in\(why). Approve only if this is you; "
                + "you will be asked for Face ID, Touch ID or your passcode."
        }
    }

    public static func riskBanner(_ request: PushRequestItem) -> String? {
        riskBanner(level: request.riskLevel, reasons: request.riskReasons)
    }

    /// A number must be typed (when none are offered to pick from): the server
    /// asks for number matching, or judged the request medium or high risk,
    /// and the core then refuses an approval without one.
    public static func needsNumber(_ request: PushRequestItem) -> Bool {
        request.numberMatching || request.riskLevel != .low
    }

    public static func burst(_ count: UInt32) -> String {
        "\(count) requests in the last minute. If you are not signing in, deny."
    }

    public static func expiresIn(_ seconds: Int64) -> String {
        seconds > 0 ? "Expires in \(seconds)s" : "Expired"
    }

    static func time(_ unixSeconds: Int64, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.dateStyle = .none
        formatter.timeStyle = .short
        formatter.timeZone = timeZone
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unixSeconds)))
    }
}
