// Records the tests build, with the fields each test does not care about
// filled in one place (a new record field is added here, not in every test).
import Countersign
import CountersignFFI
import Foundation
import XCTest

enum Fixtures {
    static func totp(_ id: String, issuer: String?, name: String, code: String = "123456",
                     secondsLeft: UInt32 = 20, period: UInt32 = 30) -> CodeItem {
        CodeItem(id: id, issuer: issuer, name: name, code: code, secondsLeft: secondsLeft,
                 period: period, hotpCounter: nil, unavailable: nil)
    }

    static func hotp(_ id: String, issuer: String?, name: String, counter: UInt64 = 0) -> CodeItem {
        CodeItem(id: id, issuer: issuer, name: name, code: nil, secondsLeft: nil,
                 period: nil, hotpCounter: counter, unavailable: nil)
    }

    static func damaged(_ id: String, name: String, reason: String) -> CodeItem {
        CodeItem(id: id, issuer: nil, name: name, code: nil, secondsLeft: nil,
                 period: nil, hotpCounter: nil, unavailable: reason)
    }

    static func account(_ id: String, position: UInt32, issuer: String? = nil, name: String,
                        weakSecret: Bool = false) -> AccountItem {
        AccountItem(id: id, position: position, issuer: issuer, name: name, kind: .totp,
                    digits: 6, weakSecret: weakSecret)
    }

    static func request(_ id: String = "req-1", secondsLeft: Int64 = 60, numberMatching: Bool = false,
                        numberChoices: [String]? = nil, burst: UInt32 = 1,
                        riskLevel: RiskLevel = .low, riskReasons: [String] = []) -> PushRequestItem {
        PushRequestItem(
            id: id, accountId: "push-1", org: "Example Corp", user: "jane", kind: .login,
            resourceName: "Salesforce", ip: "203.0.113.9", location: "Berlin, DE",
            browser: "Firefox 133", os: "Windows 11", time: 1_700_000_000, message: nil,
            issuedAt: 1_700_000_000, expiresAt: 1_700_000_000 + secondsLeft, secondsLeft: secondsLeft,
            biometricRequired: false, numberMatching: numberMatching, numberChoices: numberChoices,
            burst: burst,
            // The core's rule (PushRequest::answerable_inline), mirrored.
            answerInline: !numberMatching && riskLevel == .low && (numberChoices ?? []).isEmpty,
            riskLevel: riskLevel, riskReasons: riskReasons
        )
    }

    static func pushAccount(_ id: String = "push-1", status: PushAccountStatus = .active,
                            certificateChecks: Bool = true) -> PushAccountItem {
        PushAccountItem(id: id, serverUrl: "https://mfa.example.com", user: "jane", org: "Example Corp",
                        deviceId: "dev-1", status: status, dialect: .countersign,
                        certificateChecks: certificateChecks)
    }

    static func plan(adding names: [String], duplicates: UInt32 = 0,
                     skipped: [SkippedEntry] = []) -> ImportPlan {
        ImportPlan(format: "aegis", toAdd: names.map { ImportedAccount(issuer: "GitHub", name: $0) },
                   duplicates: duplicates, skipped: skipped)
    }

    static func scan(_ text: String, kind: ScanKind, detail: String? = nil) -> ScanItem {
        ScanItem(text: text, kind: kind, detail: detail, points: [])
    }
}

extension XCTestCase {
    /// Waits (on the main actor, so model tasks can run) until `condition` holds.
    @MainActor
    func eventually(timeout: TimeInterval = 3, _ condition: () -> Bool,
                    file: StaticString = #filePath, line: UInt = #line) async {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline {
                XCTFail("condition not met within \(timeout) s", file: file, line: line)
                return
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}
