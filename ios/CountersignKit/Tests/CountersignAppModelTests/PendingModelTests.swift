@testable import CountersignAppModel
import Countersign
import CountersignFFI
import XCTest

final class PendingModelTests: XCTestCase {
    @MainActor
    func testRequestsAndAFailingServerAreBothShown() async {
        let service = FakeService()
        service.pendingAnswers = .returning(PendingView(
            requests: [Fixtures.request("r1"), Fixtures.request("r2")],
            failures: [PushFailureItem(accountId: "push-1", reason: "could not reach the server (timed out)")]
        ))
        service.pushAccountsAnswers = .returning([Fixtures.pushAccount("push-1")])
        let model = PendingModel(service: service)

        await model.refresh()

        XCTAssertEqual(model.rows.map(\.id), ["r1", "r2"])
        XCTAssertEqual(model.rows[0].title, "Sign in to Salesforce?")
        XCTAssertEqual(model.rows[0].summary, "jane · Example Corp")
        XCTAssertEqual(model.banners, ["Example Corp · jane: Could not reach the server (timed out)."])
        XCTAssertNil(model.emptyText)
    }

    @MainActor
    func testABannerStillShowsWhenTheAccountCannotBeNamed() async {
        let service = FakeService()
        service.pendingAnswers = .returning(PendingView(
            requests: [], failures: [PushFailureItem(accountId: "push-9", reason: "server refused")]))
        service.pushAccountsAnswers = .failing(.storage(problem: .busy, accountId: nil, reason: "busy"))
        let model = PendingModel(service: service)
        await model.refresh()
        XCTAssertEqual(model.banners, ["Server refused."])
    }

    @MainActor
    func testNothingWaitingIsSaid() async {
        let service = FakeService()
        service.pendingAnswers = .returning(PendingView(requests: [], failures: []))
        let model = PendingModel(service: service)
        XCTAssertNil(model.emptyText, "nothing is said before the first fetch")
        await model.refresh()
        XCTAssertEqual(model.emptyText, PendingModel.nothingWaiting)
    }

    @MainActor
    func testAFailedFetchSaysWhyAndKeepsTheLastRequests() async {
        let service = FakeService()
        service.pendingAnswers = Script([
            .success(PendingView(requests: [Fixtures.request("r1")], failures: [])),
            .failure(.keyStore(reason: "locked")),
        ])
        let model = PendingModel(service: service)
        await model.refresh()
        await model.refresh()
        XCTAssertEqual(model.failure, "Your accounts' key could not be read. Unlock your phone and try again.")
        XCTAssertEqual(model.rows.map(\.id), ["r1"])
    }
}
