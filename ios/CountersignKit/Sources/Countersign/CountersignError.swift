import CountersignFFI
import Foundation

/// Every way a Countersign call fails, as the screens act on it. `reason` is
/// the core's own human text (it names what is wrong); the other values are
/// what a screen needs to offer the way out.
public enum CountersignError: Error, Equatable {
    case invalidInput(reason: String)
    case duplicate(existingId: String, reason: String)
    case notFound(id: String?, reason: String)
    case keyStore(reason: String)
    case storage(problem: StorageProblem, accountId: String?, reason: String)
    case expired(secondsAgo: Int64, reason: String)
    case alreadyAnswered(reason: String)
    case wrongNumber(reason: String)
    case numberRequired(reason: String)
    case biometricFailed(cancelled: Bool, reason: String)
    case phoneRequired(reason: String)
    case deviceReplaced(reason: String)
    case deviceRevoked(reason: String)
    case untrusted(reason: String)
    case network(reason: String)
    case rateLimited(retryAfter: Int64, reason: String)
    case serverRefused(reason: String)
    case wrongPassword(passwordMissing: Bool, reason: String)
    case tampered(accountId: String?, reason: String)
    case certificateChecksOff(url: String, reason: String)
    case hardwareKey(reason: String)
    case cancelled(reason: String)
    case platform(reason: String)
}

extension CountersignError {
    /// The one mapping from the generated error. No `default`: a variant added
    /// on the Rust side stops this from compiling until it is mapped here.
    public init(_ error: FfiError) {
        switch error {
        case .InvalidInput(let reason):
            self = .invalidInput(reason: reason)
        case .Duplicate(let existingId, let reason):
            self = .duplicate(existingId: existingId, reason: reason)
        case .NotFound(let id, let reason):
            self = .notFound(id: id, reason: reason)
        case .KeyStore(let reason):
            self = .keyStore(reason: reason)
        case .Storage(let problem, let accountId, let reason):
            self = .storage(problem: problem, accountId: accountId, reason: reason)
        case .Expired(let secondsAgo, let reason):
            self = .expired(secondsAgo: secondsAgo, reason: reason)
        case .AlreadyAnswered(let reason):
            self = .alreadyAnswered(reason: reason)
        case .WrongNumber(let reason):
            self = .wrongNumber(reason: reason)
        case .NumberRequired(let reason):
            self = .numberRequired(reason: reason)
        case .BiometricFailed(let cancelled, let reason):
            self = .biometricFailed(cancelled: cancelled, reason: reason)
        case .PhoneRequired(let reason):
            self = .phoneRequired(reason: reason)
        case .DeviceReplaced(let reason):
            self = .deviceReplaced(reason: reason)
        case .DeviceRevoked(let reason):
            self = .deviceRevoked(reason: reason)
        case .Untrusted(let reason):
            self = .untrusted(reason: reason)
        case .Network(let reason):
            self = .network(reason: reason)
        case .RateLimited(let retryAfter, let reason):
            self = .rateLimited(retryAfter: retryAfter, reason: reason)
        case .ServerRefused(let reason):
            self = .serverRefused(reason: reason)
        case .WrongPassword(let passwordMissing, let reason):
            self = .wrongPassword(passwordMissing: passwordMissing, reason: reason)
        case .Tampered(let accountId, let reason):
            self = .tampered(accountId: accountId, reason: reason)
        case .CertificateChecksOff(let url, let reason):
            self = .certificateChecksOff(url: url, reason: reason)
        case .HardwareKey(let reason):
            self = .hardwareKey(reason: reason)
        case .Cancelled(let reason):
            self = .cancelled(reason: reason)
        case .Platform(let reason):
            self = .platform(reason: reason)
        }
    }

    /// Whatever a call threw, as the one error the screens handle. Besides
    /// FfiError, the generated code throws its own internal errors (a Rust
    /// panic, a library that does not match the bindings): those are `.platform`.
    public init(any error: Error) {
        switch error {
        case let mapped as CountersignError:
            self = mapped
        case let ffi as FfiError:
            self = CountersignError(ffi)
        case is CancellationError:
            self = .cancelled(reason: "the operation was cancelled")
        default:
            self = .platform(reason: Self.describe(error))
        }
    }

    /// The core's human text, whichever the case.
    public var message: String {
        switch self {
        case .invalidInput(let reason),
             .duplicate(_, let reason),
             .notFound(_, let reason),
             .keyStore(let reason),
             .storage(_, _, let reason),
             .expired(_, let reason),
             .alreadyAnswered(let reason),
             .wrongNumber(let reason),
             .numberRequired(let reason),
             .biometricFailed(_, let reason),
             .phoneRequired(let reason),
             .deviceReplaced(let reason),
             .deviceRevoked(let reason),
             .untrusted(let reason),
             .network(let reason),
             .rateLimited(_, let reason),
             .serverRefused(let reason),
             .wrongPassword(_, let reason),
             .tampered(_, let reason),
             .certificateChecksOff(_, let reason),
             .hardwareKey(let reason),
             .cancelled(let reason),
             .platform(let reason):
            return reason
        }
    }

    // A Rust panic arrives as a LocalizedError whose description is the panic
    // message; anything else is described by its own text rather than Cocoa's
    // generic "The operation couldn't be completed".
    private static func describe(_ error: Error) -> String {
        if let localized = error as? LocalizedError, let text = localized.errorDescription {
            return text
        }
        return String(describing: error)
    }
}

extension CountersignError: LocalizedError {
    public var errorDescription: String? { message }
}
