import CountersignFFI
import Foundation
import LocalAuthentication

/// The core's `BiometricPrompt`: Face ID or Touch ID, with the passcode as
/// the fallback, for requests whose policy wants the user confirmed and whose
/// account has no user key (see `SecureEnclaveKeys.signAsUser` for the key
/// that proves it). The core never signs when this says anything but `.passed`.
final class LocalAuthenticationPrompt: BiometricPrompt {
    func confirm(reason: String) async throws -> BiometricOutcome {
        let context = LAContext()
        var unavailable: NSError?
        guard context.canEvaluatePolicy(.deviceOwnerAuthentication, error: &unavailable) else {
            return LocalAuthenticationOutcome.of(unavailable)
        }
        let reason = LocalAuthenticationOutcome.spoken(reason)
        return await withCheckedContinuation { continuation in
            context.evaluatePolicy(.deviceOwnerAuthentication, localizedReason: reason) { passed, error in
                continuation.resume(returning: passed ? .passed : LocalAuthenticationOutcome.of(error))
            }
        }
    }
}

/// LocalAuthentication's errors as the core's four outcomes.
enum LocalAuthenticationOutcome {
    static func of(_ error: Error?) -> BiometricOutcome {
        guard let error = error else {
            return .failed
        }
        guard let code = (error as? LAError)?.code else {
            return .failed
        }
        switch code {
        case .userCancel, .appCancel, .systemCancel, .userFallback:
            return .cancelled
        case .authenticationFailed:
            return .failed
        // Nothing to confirm with, or no way to show the prompt now (the app
        // is in the background): the user cannot pass, nor did they refuse.
        case .passcodeNotSet, .biometryNotAvailable, .biometryNotEnrolled, .biometryLockout,
             .notInteractive, .invalidContext:
            return .unavailable
        default:
            return .failed
        }
    }

    /// LocalAuthentication throws an exception for an empty reason; the
    /// core's reason is never meant to be empty, but a crash is no answer.
    static func spoken(_ reason: String) -> String {
        reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "Confirm it is you" : reason
    }
}
