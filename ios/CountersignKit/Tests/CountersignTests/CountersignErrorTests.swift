import Countersign
import CountersignFFI
import XCTest

final class CountersignErrorTests: XCTestCase {
    /// One row per FfiError case, each with values a mix-up would show.
    private let table: [(FfiError, CountersignError)] = [
        (.InvalidInput(reason: "r1"), .invalidInput(reason: "r1")),
        (.Duplicate(existingId: "a7", reason: "r2"), .duplicate(existingId: "a7", reason: "r2")),
        (.NotFound(id: "p3", reason: "r3"), .notFound(id: "p3", reason: "r3")),
        (.NotFound(id: nil, reason: "r3b"), .notFound(id: nil, reason: "r3b")),
        (.KeyStore(reason: "r4"), .keyStore(reason: "r4")),
        (.Storage(problem: .diskFull, accountId: "a5", reason: "r5"),
         .storage(problem: .diskFull, accountId: "a5", reason: "r5")),
        (.Storage(problem: .tooNew, accountId: nil, reason: "r5b"),
         .storage(problem: .tooNew, accountId: nil, reason: "r5b")),
        (.Expired(secondsAgo: 12, reason: "r6"), .expired(secondsAgo: 12, reason: "r6")),
        (.AlreadyAnswered(reason: "r7"), .alreadyAnswered(reason: "r7")),
        (.WrongNumber(reason: "r8"), .wrongNumber(reason: "r8")),
        (.NumberRequired(reason: "r9"), .numberRequired(reason: "r9")),
        (.BiometricFailed(cancelled: true, reason: "r10"), .biometricFailed(cancelled: true, reason: "r10")),
        (.BiometricFailed(cancelled: false, reason: "r10b"), .biometricFailed(cancelled: false, reason: "r10b")),
        (.PhoneRequired(reason: "r11"), .phoneRequired(reason: "r11")),
        (.DeviceReplaced(reason: "r12"), .deviceReplaced(reason: "r12")),
        (.DeviceRevoked(reason: "r13"), .deviceRevoked(reason: "r13")),
        (.Untrusted(reason: "r14"), .untrusted(reason: "r14")),
        (.Network(reason: "r15"), .network(reason: "r15")),
        (.RateLimited(retryAfter: 30, reason: "r16"), .rateLimited(retryAfter: 30, reason: "r16")),
        (.ServerRefused(reason: "r17"), .serverRefused(reason: "r17")),
        (.WrongPassword(passwordMissing: true, reason: "r18"), .wrongPassword(passwordMissing: true, reason: "r18")),
        (.WrongPassword(passwordMissing: false, reason: "r18b"),
         .wrongPassword(passwordMissing: false, reason: "r18b")),
        (.Tampered(accountId: "a19", reason: "r19"), .tampered(accountId: "a19", reason: "r19")),
        (.Tampered(accountId: nil, reason: "r19b"), .tampered(accountId: nil, reason: "r19b")),
        (.CertificateChecksOff(url: "https://pi.example", reason: "r20"),
         .certificateChecksOff(url: "https://pi.example", reason: "r20")),
        (.HardwareKey(reason: "r21"), .hardwareKey(reason: "r21")),
        (.Cancelled(reason: "r22"), .cancelled(reason: "r22")),
        (.Platform(reason: "r23"), .platform(reason: "r23")),
    ]

    func testEveryFfiErrorCaseMapsToItsOwnCaseWithItsValues() {
        for (ffi, expected) in table {
            XCTAssertEqual(CountersignError(ffi), expected, "\(ffi)")
            XCTAssertEqual(CountersignError(any: ffi), expected, "\(ffi)")
        }
    }

    func testTheTableHasARowForEveryCase() {
        // `caseName` has no default: a new Rust variant fails to compile here
        // until it is named, and then this count until the table has its row.
        let names = Set(table.map { caseName($0.0) })
        XCTAssertEqual(names.count, 23)
    }

    func testTheMessageIsTheCoresReasonForEveryCase() {
        for (ffi, mapped) in table {
            XCTAssertEqual(mapped.message, reason(of: ffi), "\(ffi)")
            XCTAssertEqual(mapped.errorDescription, mapped.message)
            XCTAssertEqual(mapped.localizedDescription, mapped.message)
        }
    }

    func testACountersignErrorStaysItself() {
        let error = CountersignError.rateLimited(retryAfter: 5, reason: "slow down")
        XCTAssertEqual(CountersignError(any: error), error)
    }

    func testACancelledTaskIsCancelled() {
        guard case .cancelled = CountersignError(any: CancellationError()) else {
            return XCTFail("CancellationError is not .cancelled")
        }
    }

    func testAForeignErrorIsPlatformWithItsDescription() {
        XCTAssertEqual(CountersignError(any: Described()), .platform(reason: "the Keychain said no"))
        guard case .platform(let reason) = CountersignError(any: Plain.failed) else {
            return XCTFail("a foreign error is not .platform")
        }
        XCTAssertFalse(reason.isEmpty)
    }
}

private struct Described: LocalizedError {
    var errorDescription: String? { "the Keychain said no" }
}

private enum Plain: Error {
    case failed
}

private func caseName(_ error: FfiError) -> String {
    switch error {
    case .InvalidInput: return "InvalidInput"
    case .Duplicate: return "Duplicate"
    case .NotFound: return "NotFound"
    case .KeyStore: return "KeyStore"
    case .Storage: return "Storage"
    case .Expired: return "Expired"
    case .AlreadyAnswered: return "AlreadyAnswered"
    case .WrongNumber: return "WrongNumber"
    case .NumberRequired: return "NumberRequired"
    case .BiometricFailed: return "BiometricFailed"
    case .PhoneRequired: return "PhoneRequired"
    case .DeviceReplaced: return "DeviceReplaced"
    case .DeviceRevoked: return "DeviceRevoked"
    case .Untrusted: return "Untrusted"
    case .Network: return "Network"
    case .RateLimited: return "RateLimited"
    case .ServerRefused: return "ServerRefused"
    case .WrongPassword: return "WrongPassword"
    case .Tampered: return "Tampered"
    case .CertificateChecksOff: return "CertificateChecksOff"
    case .HardwareKey: return "HardwareKey"
    case .Cancelled: return "Cancelled"
    case .Platform: return "Platform"
    }
}

private func reason(of error: FfiError) -> String {
    switch error {
    case .InvalidInput(let reason), .KeyStore(let reason), .AlreadyAnswered(let reason),
         .WrongNumber(let reason), .NumberRequired(let reason), .PhoneRequired(let reason),
         .DeviceReplaced(let reason), .DeviceRevoked(let reason), .Untrusted(let reason),
         .Network(let reason), .ServerRefused(let reason), .HardwareKey(let reason),
         .Cancelled(let reason), .Platform(let reason):
        return reason
    case .Duplicate(_, let reason), .NotFound(_, let reason), .Expired(_, let reason),
         .BiometricFailed(_, let reason), .RateLimited(_, let reason), .WrongPassword(_, let reason),
         .Tampered(_, let reason), .CertificateChecksOff(_, let reason):
        return reason
    case .Storage(_, _, let reason):
        return reason
    }
}
