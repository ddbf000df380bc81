@testable import CountersignAppModel
import CountersignFFI
import XCTest

final class NotificationTextTests: XCTestCase {
    private let attemptedAt: Int64 = 1_700_000_000
    private var now: Date { Date(timeIntervalSince1970: TimeInterval(attemptedAt) + 5) }

    /// A login request; `answerInline` follows the core's rule (no biometric,
    /// no number, low risk), as Rust sets it.
    private func request(kind: ChallengeKind = .login, biometric: Bool = false,
                         numberMatching: Bool = false, numberChoices: [String]? = nil,
                         message: String? = nil, burst: UInt32 = 1,
                         location: String? = "Berlin, DE", ip: String? = "203.0.113.9",
                         browser: String? = "Firefox 133", os: String? = "Windows 11",
                         riskLevel: RiskLevel = .low, riskReasons: [String] = []) -> PushRequestItem {
        PushRequestItem(
            id: "req-1", accountId: "push-1", org: "Example Corp", user: "jane", kind: kind,
            resourceName: "Salesforce", ip: ip, location: location, browser: browser, os: os,
            time: attemptedAt, message: message, issuedAt: attemptedAt, expiresAt: attemptedAt + 120,
            secondsLeft: 115, biometricRequired: biometric, numberMatching: numberMatching,
            numberChoices: numberChoices, burst: burst,
            answerInline: !biometric && !numberMatching && riskLevel == .low && (numberChoices ?? []).isEmpty,
            riskLevel: riskLevel, riskReasons: riskReasons
        )
    }

    func testAPlainRequestOffersApproveInTheNotification() {
        let content = NotificationText.content(for: request(), now: now)
        XCTAssertEqual(content.category, "COUNTERSIGN_REQUEST")
        XCTAssertFalse(content.body.contains("Open Countersign"))
    }

    func testNumberMatchingIsAnsweredInTheApp() {
        let content = NotificationText.content(for: request(numberMatching: true), now: now)
        XCTAssertEqual(content.category, "COUNTERSIGN_REQUEST_IN_APP")
        XCTAssertTrue(content.body.hasSuffix("Open Countersign to type the number shown where you are signing in."))
    }

    func testNumberChoicesAreAnsweredInTheApp() {
        let content = NotificationText.content(for: request(numberChoices: ["17", "42", "86"]), now: now)
        XCTAssertEqual(content.category, "COUNTERSIGN_REQUEST_IN_APP")
        XCTAssertTrue(content.body.hasSuffix("Open Countersign to pick the number shown where you are signing in."))
    }

    func testABiometricRequestIsAnsweredInTheApp() {
        let content = NotificationText.content(for: request(biometric: true), now: now)
        XCTAssertEqual(content.category, "COUNTERSIGN_REQUEST_IN_APP")
        XCTAssertTrue(content.body.hasSuffix("Open Countersign to confirm it is you."))
    }

    func testARiskyRequestSaysWhyFirstAndIsAnsweredInTheApp() {
        let content = NotificationText.content(
            for: request(riskLevel: .medium, riskReasons: ["a new location", "a new network"]), now: now)
        XCTAssertEqual(content.category, "COUNTERSIGN_REQUEST_IN_APP")
        XCTAssertEqual(content.body, """
            Unusual sign-in: a new location, a new network
            jane · Example Corp
            Berlin, DE · 203.0.113.9
            Firefox 133 on Windows 11
            Just now
            Open Countersign to type the number shown where you are signing in.
            """)
    }

    func testAHighRiskRequestWarnsInTheBody() {
        let content = NotificationText.content(
            for: request(riskLevel: .high, riskReasons: ["an unusual time of day for you"]), now: now)
        XCTAssertEqual(content.category, "COUNTERSIGN_REQUEST_IN_APP")
        let lines = content.body.components(separatedBy: "\n")
        XCTAssertEqual(lines.first, "High-risk sign-in: an unusual time of day for you. "
            + "Approve only if this is you; you will be asked for Face ID, Touch ID or your passcode.")
        XCTAssertEqual(lines[1], "jane · Example Corp")
    }

    func testALowRiskRequestHasNoRiskLine() {
        let body = NotificationText.content(for: request(riskReasons: ["a new location"]), now: now).body
        XCTAssertTrue(body.hasPrefix("jane · Example Corp\n"))
        XCTAssertFalse(body.contains("sign-in:"))
    }

    func testTheCategoryFollowsTheCoresRuleNotItsInputs() {
        // The core decides; the text does not second-guess it.
        var item = request()
        item.answerInline = false
        XCTAssertEqual(NotificationText.content(for: item, now: now).category, "COUNTERSIGN_REQUEST_IN_APP")
    }

    func testTitlesNameWhatIsAsked() {
        XCTAssertEqual(NotificationText.content(for: request(kind: .login), now: now).title,
                       "Sign in to Salesforce?")
        XCTAssertEqual(NotificationText.content(for: request(kind: .stepUp), now: now).title,
                       "Confirm an action in Salesforce?")
        XCTAssertEqual(NotificationText.content(for: request(kind: .passwordReset), now: now).title,
                       "Reset your password for Salesforce?")
        XCTAssertEqual(NotificationText.content(for: request(kind: .enrollmentConfirm), now: now).title,
                       "Finish enrolling this phone with Salesforce?")
    }

    func testTheBodySaysWhoWhereHowAndWhen() {
        let content = NotificationText.content(for: request(), now: now)
        XCTAssertEqual(content.body, """
            jane · Example Corp
            Berlin, DE · 203.0.113.9
            Firefox 133 on Windows 11
            Just now
            """)
    }

    func testMissingFactsLeaveNoEmptyLines() {
        let item = request(location: nil, ip: "", browser: nil, os: "iOS 18")
        XCTAssertEqual(NotificationText.content(for: item, now: now).body, """
            jane · Example Corp
            iOS 18
            Just now
            """)
    }

    func testTheServersQuestionAndABurstAreShown() {
        let item = request(message: "Allow the VPN login?", burst: 3)
        let lines = NotificationText.content(for: item, now: now).body.components(separatedBy: "\n")
        XCTAssertEqual(lines[1], "Allow the VPN login?")
        XCTAssertEqual(lines.last, "3 requests in the last minute. If you are not signing in, deny.")
    }

    func testTheAttemptTimeIsRelativeWhileRecent() {
        XCTAssertEqual(NotificationText.attemptTime(attemptedAt, now: now), "Just now")
        // The relying party's clock a little ahead of the phone's.
        XCTAssertEqual(NotificationText.attemptTime(attemptedAt + 30, now: now), "Just now")
        let later = Date(timeIntervalSince1970: TimeInterval(attemptedAt) + 150)
        XCTAssertEqual(NotificationText.attemptTime(attemptedAt, now: later), "2 min ago")
        let muchLater = Date(timeIntervalSince1970: TimeInterval(attemptedAt) + 7200)
        XCTAssertTrue(NotificationText.attemptTime(attemptedAt, now: muchLater).hasPrefix("At "))
    }

    func testTheNeutralContentSaysNothingAndOffersNothing() {
        XCTAssertEqual(NotificationText.neutral.title, "Sign-in request")
        XCTAssertEqual(NotificationText.neutral.body, "Open Countersign to review it.")
        XCTAssertEqual(NotificationText.neutral.category, "")
    }

    func testACodeToTypeIsInTheTitle() {
        let text = NotificationText.approvedWithCode(code: "482913", message: "Enter this code")
        XCTAssertEqual(text.title, "Enter this code: 482913")
    }

    func testIdentifiersMatchTheServersPayload() {
        XCTAssertEqual(NotificationIdentifiers.requestCategory, "COUNTERSIGN_REQUEST")
        XCTAssertEqual(NotificationIdentifiers.biometricCategory, "COUNTERSIGN_REQUEST_BIOMETRIC")
        XCTAssertEqual(NotificationIdentifiers.approveAction, "COUNTERSIGN_APPROVE")
        XCTAssertEqual(NotificationIdentifiers.denyAction, "COUNTERSIGN_DENY")
    }
}
