@testable import CountersignAppModel
import Countersign
import CountersignFFI
import XCTest

final class MoreModelTests: XCTestCase {
    @MainActor
    func testTheDiagnosticsChoiceIsSavedAndReadBackByTheNextScreen() async {
        let service = FakeService()
        let first = MoreModel(service: service, version: "1.0 (7)")
        await first.load()
        XCTAssertFalse(first.diagnosticsEnabled)

        await first.setDiagnostics(true)
        XCTAssertEqual(service.diagnosticsSaves, [true])

        let next = MoreModel(service: service, version: "1.0 (7)")
        await next.load()
        XCTAssertTrue(next.diagnosticsEnabled)
    }

    @MainActor
    func testAFailedSavePutsTheToggleBackAndSaysWhy() async {
        let service = FakeService()
        service.diagnosticsSaveAnswers = .failing(.storage(problem: .busy, accountId: nil, reason: "busy"))
        let model = MoreModel(service: service, version: "1.0")
        await model.load()
        await model.setDiagnostics(true)
        XCTAssertFalse(model.diagnosticsEnabled)
        XCTAssertEqual(model.notice, "Your accounts are busy. Try again in a moment.")
    }

    @MainActor
    func testTheToggleWaitsForTheSavedValue() async {
        let service = FakeService()
        let model = MoreModel(service: service, version: "1.0")
        await model.setDiagnostics(true)
        XCTAssertTrue(service.diagnosticsSaves.isEmpty, "nothing is saved before the saved value was read")
    }

    @MainActor
    func testTheProtectIdCanBeCopied() async {
        let model = MoreModel(service: FakeService(), version: "1.0")
        XCTAssertNil(model.copyProtectId())
        await model.load()
        XCTAssertEqual(model.copyProtectId(), "PROTECT-1234")
    }

    @MainActor
    func testPushAccountsSayTheirStatusAndMissingCertificateChecks() async {
        let service = FakeService()
        service.pushAccountsAnswers = .returning([
            Fixtures.pushAccount("p1"),
            Fixtures.pushAccount("p2", status: .replaced, certificateChecks: false),
        ])
        let model = MoreModel(service: service, version: "1.0")
        await model.load()
        XCTAssertEqual(model.pushAccounts.map(\.title), ["Example Corp · jane", "Example Corp · jane"])
        XCTAssertEqual(model.pushAccounts.map(\.detail), ["active", "moved to another device · certificate checks off"])
    }

    @MainActor
    func testRemovingAPushAccountForgetsItAndReloadsTheList() async {
        let service = FakeService()
        service.pushAccountsAnswers = Script([.success([Fixtures.pushAccount("p1")]), .success([])])
        let model = MoreModel(service: service, version: "1.0")
        await model.load()
        let row = model.pushAccounts[0]
        model.requestRemoval(row)
        XCTAssertEqual(model.pendingRemoval, row)
        XCTAssertTrue(service.deletedPushAccounts.isEmpty)
        await model.remove(row)
        XCTAssertEqual(service.deletedPushAccounts, ["p1"])
        XCTAssertTrue(model.pushAccounts.isEmpty)
        XCTAssertNil(model.pendingRemoval)
    }

    func testTheVersionIsShownAsGiven() {
        XCTAssertEqual(MoreModel(service: FakeService(), version: "2.1 (40)").versionText, "Version 2.1 (40)")
        XCTAssertEqual(MoreModel.helpURL?.absoluteString, "https://countersign.dev/help")
    }
}
