@testable import CountersignAppModel
import Countersign
import CountersignFFI
import XCTest

final class ApprovalModelTests: XCTestCase {
    /// A clock the test moves by hand.
    private final class Clock {
        var now = Date(timeIntervalSince1970: 1_700_000_000)
    }

    private func model(_ request: PushRequestItem, _ service: FakeService, clock: Clock = Clock()) -> ApprovalModel {
        ApprovalModel(request: request, service: service, prompt: PassingPrompt(), clock: { clock.now })
    }

    @MainActor
    func testAPlainRequestIsApprovedWithoutANumber() async {
        let service = FakeService()
        service.approveAnswers = .returning(.approved)
        let approval = model(Fixtures.request(), service)
        XCTAssertEqual(approval.numberEntry, .noNumber)
        XCTAssertEqual(approval.title, "Sign in to Salesforce?")

        await approval.approve()

        XCTAssertEqual(service.approveCalls, [ApproveCall(id: "req-1", number: nil)])
        XCTAssertEqual(approval.phase, .finished(.approved))
        XCTAssertEqual(approval.outcomeText, "Approved")
    }

    @MainActor
    func testATypedNumberIsSentWithTheApproval() async {
        let service = FakeService()
        service.approveAnswers = .returning(.approved)
        let approval = model(Fixtures.request(numberMatching: true), service)
        XCTAssertEqual(approval.numberEntry, .typed)

        await approval.approve()
        XCTAssertTrue(service.approveCalls.isEmpty, "no number typed: nothing is sent")
        XCTAssertEqual(approval.notice, ApprovalModel.typeNumber)

        approval.typedNumber = " 42 "
        await approval.approve()
        XCTAssertEqual(service.approveCalls, [ApproveCall(id: "req-1", number: "42")])
        XCTAssertEqual(approval.phase, .finished(.approved))
    }

    @MainActor
    func testAChosenNumberIsSent() async {
        let service = FakeService()
        service.approveAnswers = .returning(.approved)
        let approval = model(Fixtures.request(numberMatching: true, numberChoices: ["17", "42", "86"]), service)
        XCTAssertEqual(approval.numberEntry, .choices(["17", "42", "86"]))
        await approval.approve(choice: "86")
        XCTAssertEqual(service.approveCalls, [ApproveCall(id: "req-1", number: "86")])
    }

    @MainActor
    func testAWrongNumberEndsTheRequestAndSaysTheSignInWasBlocked() async {
        let service = FakeService()
        service.approveAnswers = .failing(.wrongNumber(reason: "the number did not match"))
        let approval = model(Fixtures.request(numberMatching: true), service)
        approval.typedNumber = "13"
        await approval.approve()
        XCTAssertEqual(approval.phase, .finished(.closed(
            "The number did not match, so the sign-in was blocked. If it was you, sign in again.")))
        XCTAssertFalse(approval.canAnswer)
    }

    @MainActor
    func testARequestThatExpiredOnTheServerSaysSo() async {
        let service = FakeService()
        service.approveAnswers = .failing(.expired(secondsAgo: 4, reason: "expired 4 s ago"))
        let approval = model(Fixtures.request(), service)
        await approval.approve()
        XCTAssertEqual(approval.phase, .finished(.expired))
        XCTAssertEqual(approval.outcomeText, "This request has expired. If it was you, sign in again.")
    }

    @MainActor
    func testAnAlreadyAnsweredRequestIsClosed() async {
        let service = FakeService()
        service.denyAnswers = .failing(.alreadyAnswered(reason: "already answered (approved)"))
        let approval = model(Fixtures.request(), service)
        await approval.deny()
        XCTAssertEqual(approval.phase, .finished(.closed("This request was already answered.")))
    }

    @MainActor
    func testANetworkFailureCanBeTriedAgain() async {
        let service = FakeService()
        service.approveAnswers = Script([.failure(.network(reason: "timed out")), .success(.approved)])
        let approval = model(Fixtures.request(), service)
        await approval.approve()
        XCTAssertEqual(approval.phase, .ready)
        XCTAssertEqual(approval.notice, "The server could not be reached. Check your internet connection and try again.")
        await approval.approve()
        XCTAssertEqual(approval.phase, .finished(.approved))
        XCTAssertNil(approval.notice)
    }

    @MainActor
    func testACancelledFaceIdCheckLeavesTheRequestOpen() async {
        let service = FakeService()
        service.approveAnswers = .failing(.biometricFailed(cancelled: true, reason: "cancelled"))
        let approval = model(Fixtures.request(), service)
        await approval.approve()
        XCTAssertEqual(approval.phase, .ready)
        XCTAssertEqual(approval.notice, "Cancelled: nothing was sent. Tap Approve to try again.")
    }

    @MainActor
    func testReportingDeniesWithFraudAndSaysSo() async {
        let service = FakeService()
        service.denyAnswers = .returning(.denied)
        let approval = model(Fixtures.request(), service)
        await approval.report()
        XCTAssertEqual(service.denyCalls, [DenyCall(id: "req-1", reportFraud: true)])
        XCTAssertEqual(approval.phase, .finished(.reported))
    }

    @MainActor
    func testACodeToShowIsShownAfterApproval() async {
        let service = FakeService()
        service.approveAnswers = .returning(.approvedShowCode(code: "4711", message: "Enter this code"))
        let approval = model(Fixtures.request(), service)
        await approval.approve()
        XCTAssertEqual(approval.outcomeText, "Enter this code: 4711")
    }

    func testTheCountdownRunsOutAndExpiresTheRequest() {
        let clock = Clock()
        let approval = model(Fixtures.request(secondsLeft: 30), FakeService(), clock: clock)
        XCTAssertEqual(approval.countdownText, "Expires in 30s")
        clock.now += 12
        approval.tick()
        XCTAssertEqual(approval.secondsLeft, 18)
        XCTAssertEqual(approval.phase, .ready)
        clock.now += 20
        approval.tick()
        XCTAssertEqual(approval.secondsLeft, 0)
        XCTAssertEqual(approval.phase, .finished(.expired))
        XCTAssertEqual(approval.countdownText, "Expired: sign in again if it was you")
    }

    @MainActor
    func testOpeningFromANotificationFetchesTheRequest() async {
        let service = FakeService()
        service.pendingAnswers = .returning(PendingView(requests: [Fixtures.request("req-9")], failures: []))
        let approval = ApprovalModel(requestId: "req-9", service: service, prompt: PassingPrompt())
        XCTAssertEqual(approval.phase, .loading)
        await approval.load()
        XCTAssertEqual(approval.phase, .ready)
        XCTAssertEqual(approval.request?.id, "req-9")
    }

    @MainActor
    func testARequestNoLongerWaitingSaysItIsGone() async {
        let service = FakeService()
        service.pendingAnswers = .returning(PendingView(requests: [], failures: []))
        let approval = ApprovalModel(requestId: "req-9", service: service, prompt: PassingPrompt())
        await approval.load()
        XCTAssertEqual(approval.phase, .finished(.closed(ApprovalModel.requestGone)))
    }

    @MainActor
    func testAMediumRiskRequestShowsWhyAndAsksForTheNumber() async {
        let service = FakeService()
        service.approveAnswers = .returning(.approved)
        let approval = model(Fixtures.request(riskLevel: .medium,
                                              riskReasons: ["a new location", "a new network"]), service)
        XCTAssertEqual(approval.riskBanner, "Unusual sign-in: a new location, a new network")
        XCTAssertFalse(approval.isHighRisk)
        // The core refuses a risky approval without the number.
        XCTAssertEqual(approval.numberEntry, .typed)
        approval.typedNumber = "42"
        await approval.approve()
        XCTAssertEqual(service.approveCalls, [ApproveCall(id: "req-1", number: "42")])
    }

    func testAHighRiskRequestWarnsThatTheUserWillBeVerified() {
        let approval = model(Fixtures.request(riskLevel: .high,
                                              riskReasons: ["too far from your last sign-in for the time between them"]),
                             FakeService())
        XCTAssertEqual(approval.riskBanner,
                       "High-risk sign-in: too far from your last sign-in for the time between them. "
                       + "Approve only if this is you; you will be asked for Face ID, Touch ID or your passcode.")
        XCTAssertTrue(approval.isHighRisk)
        XCTAssertEqual(approval.numberEntry, .typed)
    }

    func testALowRiskRequestHasNoBanner() {
        let approval = model(Fixtures.request(riskReasons: ["a new location"]), FakeService())
        XCTAssertNil(approval.riskBanner)
        XCTAssertFalse(approval.isHighRisk)
        XCTAssertEqual(approval.numberEntry, .noNumber)
        XCTAssertFalse(approval.details.contains { $0.contains("a new location") })
    }

    func testARiskBannerWithoutReasonsStillSaysTheLevel() {
        XCTAssertEqual(RequestText.riskBanner(level: .medium, reasons: []), "Unusual sign-in")
        XCTAssertEqual(RequestText.riskBanner(level: .high, reasons: []),
                       "High-risk sign-in. Approve only if this is you; "
                       + "you will be asked for Face ID, Touch ID or your passcode.")
        XCTAssertNil(RequestText.riskBanner(level: .low, reasons: ["a new location"]))
    }

    func testDetailsSayWhereAndHow() {
        let request = Fixtures.request(burst: 3)
        let lines = RequestText.details(request, timeZone: TimeZone(identifier: "UTC")!)
        XCTAssertEqual(lines[0], "Berlin, DE · 203.0.113.9")
        XCTAssertEqual(lines[1], "Firefox 133 on Windows 11")
        XCTAssertEqual(lines.last, "3 requests in the last minute. If you are not signing in, deny.")
    }
}
