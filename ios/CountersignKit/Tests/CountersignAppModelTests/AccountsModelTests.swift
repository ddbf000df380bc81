@testable import CountersignAppModel
import Countersign
import CountersignFFI
import XCTest

final class AccountsModelTests: XCTestCase {
    private let github = Fixtures.totp("a1", issuer: "GitHub", name: "jane@example.com", code: "123456")
    private let gitlab = Fixtures.totp("a2", issuer: "GitLab", name: "jane", code: "654321")
    private let aws = Fixtures.totp("a3", issuer: "AWS", name: "root", code: "11223344", secondsLeft: 3)

    private func shown(_ items: [CodeItem]) -> (AccountsModel, FakeService) {
        let service = FakeService()
        let model = AccountsModel(service: service)
        model.apply(.view(CodesView(now: 0, items: items)))
        return (model, service)
    }

    func testRowsShowGroupedCodesWithTheirCountdown() {
        let (model, _) = shown([github, aws])
        XCTAssertEqual(model.rows.map(\.display), ["123 456", "1122 3344"])
        XCTAssertEqual(model.rows[0].title, "GitHub (jane@example.com)")
        XCTAssertEqual(model.rows[0].progress, 20.0 / 30.0, accuracy: 0.0001)
        XCTAssertFalse(model.rows[0].isExpiring)
        XCTAssertTrue(model.rows[1].isExpiring, "3 s left: the user should wait for the next code")
    }

    func testSearchKeepsAccountsWhoseIssuerOrNameHasEveryWord() {
        let (model, _) = shown([github, gitlab, aws])
        model.search = "git"
        XCTAssertEqual(model.rows.map(\.id), ["a1", "a2"])
        model.search = "LAB jane"
        XCTAssertEqual(model.rows.map(\.id), ["a2"])
        model.search = "root"
        XCTAssertEqual(model.rows.map(\.id), ["a3"])
        model.search = ""
        XCTAssertEqual(model.rows.map(\.id), ["a1", "a2", "a3"])
    }

    func testAnEmptySearchResultSaysNothingMatches() {
        let (model, _) = shown([github])
        model.search = "bank"
        XCTAssertTrue(model.rows.isEmpty)
        XCTAssertEqual(model.emptyText, AccountsModel.noMatch)
        model.search = ""
        XCTAssertNil(model.emptyText)
    }

    func testNoAccountsInvitesAScan() {
        let (model, _) = shown([])
        XCTAssertEqual(model.emptyText, AccountsModel.noAccounts)
    }

    func testAnUnreadableAccountShowsWhyAndHasNothingToCopy() {
        let (model, _) = shown([Fixtures.damaged("d1", name: "old", reason: "this account's secret is damaged")])
        XCTAssertEqual(model.rows[0].display, "this account's secret is damaged")
        XCTAssertNil(model.rows[0].code)
        XCTAssertFalse(model.rows[0].isHotp)
    }

    func testAFailedTickShowsWhyAndHidesStaleCodes() {
        let (model, _) = shown([github])
        model.apply(.failure(.storage(problem: .busy, accountId: nil, reason: "busy")))
        XCTAssertTrue(model.rows.isEmpty)
        XCTAssertEqual(model.phase, .failed("Your accounts are busy. Try again in a moment."))
        model.apply(.view(CodesView(now: 1, items: [github])))
        XCTAssertEqual(model.phase, .shown)
        XCTAssertEqual(model.rows.count, 1)
    }

    @MainActor
    func testCopyingATotpRowReturnsItsCodeUngrouped() async {
        let (model, service) = shown([github])
        let copied = await model.codeToCopy(id: "a1")
        XCTAssertEqual(copied, "123456")
        XCTAssertEqual(model.notice, AccountsModel.copied)
        XCTAssertTrue(service.hotpRequests.isEmpty)
    }

    @MainActor
    func testAnHotpRowGetsItsNextCodeOnRequestAndShowsIt() async {
        let (model, service) = shown([Fixtures.hotp("h1", issuer: "Bank", name: "jane")])
        service.nextHotpAnswers = .returning("987654")
        XCTAssertTrue(model.rows[0].isHotp)
        XCTAssertEqual(model.rows[0].display, AccountsModel.tapForCode)

        let copied = await model.codeToCopy(id: "h1")

        XCTAssertEqual(copied, "987654")
        XCTAssertEqual(service.hotpRequests, ["h1"])
        XCTAssertEqual(model.rows[0].display, "987 654")
        // A second tap copies the code shown; only Next code advances the counter.
        _ = await model.codeToCopy(id: "h1")
        XCTAssertEqual(service.hotpRequests, ["h1"])
        await model.nextCode(id: "h1")
        XCTAssertEqual(service.hotpRequests, ["h1", "h1"])
    }

    @MainActor
    func testAFailedHotpCodeSaysWhy() async {
        let (model, service) = shown([Fixtures.hotp("h1", issuer: "Bank", name: "jane")])
        service.nextHotpAnswers = .failing(.storage(problem: .counterExhausted, accountId: "h1", reason: "max"))
        let copied = await model.codeToCopy(id: "h1")
        XCTAssertNil(copied)
        XCTAssertEqual(model.notice, "This account has used up its codes. Remove it and add it again.")
    }

    @MainActor
    func testDraggingARowDownMovesItToThePlaceItLands() async {
        let (model, service) = shown([github, gitlab, aws])
        // SwiftUI's onMove: the first row dropped below the third has destination 3.
        await model.move(from: IndexSet(integer: 0), to: 3)
        XCTAssertEqual(service.moves.map { $0.id }, ["a1"])
        XCTAssertEqual(service.moves.map { $0.position }, [2])
        XCTAssertEqual(model.rows.map(\.id), ["a2", "a3", "a1"])
    }

    @MainActor
    func testAFilteredListIsNotReordered() async {
        let (model, service) = shown([github, gitlab, aws])
        model.search = "git"
        await model.move(from: IndexSet(integer: 0), to: 2)
        XCTAssertTrue(service.moves.isEmpty)
    }

    @MainActor
    func testDeletingRemovesTheRow() async {
        let (model, service) = shown([github, gitlab])
        await model.delete(id: "a1")
        XCTAssertEqual(service.deletedAccounts, ["a1"])
        XCTAssertEqual(model.rows.map(\.id), ["a2"])
    }

    @MainActor
    func testTheStreamFillsTheListUntilStopped() async {
        let service = FakeService()
        service.codesAnswers = .returning(CodesView(now: 0, items: [github]))
        let model = AccountsModel(service: service)
        model.start()
        await eventually { model.rows.count == 1 }
        XCTAssertEqual(model.phase, .shown)
        model.stop()
    }
}
