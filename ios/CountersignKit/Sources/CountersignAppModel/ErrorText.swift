// What a CountersignError says to the user: a short summary and, where there is
// one, what to do about it. The switch is exhaustive on purpose: a new error
// case must be worded here before the app compiles.
import Countersign
import CountersignFFI
import Foundation

public struct ErrorText: Equatable {
    public let summary: String
    public let advice: String?

    public init(summary: String, advice: String? = nil) {
        self.summary = summary
        self.advice = advice
    }

    /// Summary and advice as one paragraph, for a status line or an alert.
    public var full: String {
        guard let advice = advice else { return summary }
        return "\(summary) \(advice)"
    }

    public init(any error: Error) {
        self.init(CountersignError(any: error))
    }

    public init(_ error: CountersignError) {
        switch error {
        case let .invalidInput(reason):
            self.init(summary: ErrorText.sentence(reason))
        case .duplicate:
            self.init(summary: "This account is already here.")
        case let .notFound(_, reason):
            self.init(summary: ErrorText.sentence(reason))
        case .keyStore:
            self.init(summary: "Your accounts' key could not be read.",
                      advice: "Unlock your phone and try again.")
        case let .storage(problem, _, _):
            let text = ErrorText.storage(problem)
            self.init(summary: text.summary, advice: text.advice)
        case .expired:
            self.init(summary: "This request has expired.", advice: "If it was you, sign in again.")
        case .alreadyAnswered:
            self.init(summary: "This request was already answered.")
        case .wrongNumber:
            self.init(summary: "The number did not match, so the sign-in was blocked.",
                      advice: "If it was you, sign in again.")
        case .numberRequired:
            self.init(summary: "Type the number shown on the sign-in screen.")
        case let .biometricFailed(cancelled, _):
            if cancelled {
                self.init(summary: "Cancelled: nothing was sent.", advice: "Tap Approve to try again.")
            } else {
                self.init(summary: "It could not be confirmed that it is you.",
                          advice: "Try again; if Face ID or Touch ID is off, turn it on in Settings.")
            }
        case .phoneRequired:
            self.init(summary: "This request must be answered on your iPhone.")
        case .deviceReplaced:
            self.init(summary: "This account now approves sign-ins on another device.",
                      advice: "Remove it from this phone.")
        case .deviceRevoked:
            self.init(summary: "Your administrator removed this phone.",
                      advice: "Remove the account from this phone.")
        case .untrusted:
            self.init(summary: "The server's answer could not be trusted, so nothing was done.",
                      advice: "Try again on another network; if it keeps happening, tell your administrator.")
        case .network:
            self.init(summary: "The server could not be reached.",
                      advice: "Check your internet connection and try again.")
        case let .rateLimited(retryAfter, _):
            self.init(summary: "Too many attempts.", advice: ErrorText.retry(after: retryAfter))
        case let .serverRefused(reason):
            self.init(summary: "The server refused.", advice: ErrorText.sentence(reason))
        case let .wrongPassword(passwordMissing, _):
            if passwordMissing {
                self.init(summary: "This file is encrypted.",
                          advice: "Enter the password you gave when you exported it.")
            } else {
                self.init(summary: "That password did not open the file.", advice: "Try again.")
            }
        case .tampered:
            self.init(summary: "Your accounts were changed outside Countersign.",
                      advice: "Restore a backup, or remove the account and add it again.")
        case let .certificateChecksOff(_, reason):
            self.init(summary: "This server skips certificate checks.", advice: ErrorText.sentence(reason))
        case .hardwareKey:
            self.init(summary: "This phone's secure key could not be used.",
                      advice: "Remove the account and enroll this phone again.")
        case .cancelled:
            self.init(summary: "Cancelled.")
        case let .platform(reason):
            self.init(summary: "Something went wrong.", advice: ErrorText.sentence(reason))
        }
    }

    private static func storage(_ problem: StorageProblem) -> ErrorText {
        switch problem {
        case .busy:
            return ErrorText(summary: "Your accounts are busy.", advice: "Try again in a moment.")
        case .diskFull:
            return ErrorText(summary: "Your phone is full.", advice: "Free some space; nothing was changed.")
        case .damaged:
            return ErrorText(summary: "Some of your accounts' data is damaged.",
                             advice: "Restore a backup, or remove the account and add it again.")
        case .tooNew:
            return ErrorText(summary: "Your accounts were saved by a newer Countersign.",
                             advice: "Update the app.")
        case .counterExhausted:
            return ErrorText(summary: "This account has used up its codes.",
                             advice: "Remove it and add it again.")
        case .other:
            return ErrorText(summary: "Your accounts could not be saved.", advice: "Try again.")
        }
    }

    private static func retry(after seconds: Int64) -> String {
        guard seconds > 0 else { return "Try again later." }
        if seconds < 90 { return "Try again in \(seconds) seconds." }
        return "Try again in \((seconds + 59) / 60) minutes."
    }

    /// The core writes lower-case clauses ("the secret is empty"); a screen
    /// shows them as sentences.
    static func sentence(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = trimmed.first else { return "" }
        let capitalised = first.uppercased() + trimmed.dropFirst()
        return capitalised.hasSuffix(".") || capitalised.hasSuffix("?") || capitalised.hasSuffix("!")
            ? capitalised : capitalised + "."
    }
}
