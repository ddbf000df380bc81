// How a code and an account's name read on screen. Pure functions, so the
// wording is tested without a device; nothing here talks to the core.
import Foundation

public enum CodeFormatting {
    /// "123 456", "1234 5678", "123 4567", "AB CDE" (Steam's five characters):
    /// two halves are easier to read out and retype than one run of digits.
    public static func grouped(_ code: String) -> String {
        guard code.count >= 5 else { return code }
        let middle = code.index(code.startIndex, offsetBy: code.count / 2)
        return String(code[..<middle]) + " " + String(code[middle...])
    }

    /// "GitHub (jane@example.com)", or just the name when there is no issuer.
    public static func title(issuer: String?, name: String) -> String {
        guard let issuer = issuer?.trimmingCharacters(in: .whitespaces), !issuer.isEmpty else { return name }
        return "\(issuer) (\(name))"
    }

    /// How much of the period is left: 1 for a fresh code, 0 when it changes.
    /// Zero when there is no countdown (HOTP, an unreadable account).
    public static func progress(secondsLeft: UInt32?, period: UInt32?) -> Double {
        guard let left = secondsLeft, let period = period, period > 0 else { return 0 }
        return min(1, Double(left) / Double(period))
    }

    /// A code about to change: the user should wait for the next one.
    public static func isExpiring(secondsLeft: UInt32?) -> Bool {
        guard let left = secondsLeft else { return false }
        return left <= 5
    }
}
