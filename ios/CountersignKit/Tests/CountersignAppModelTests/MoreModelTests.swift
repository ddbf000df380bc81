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
    func testMobileDataIsSavedAndReadBackByTheNextScreen() async {
        let service = FakeService()
        service.diagnostics = true
        let first = MoreModel(service: service, version: "1.0")
        await first.load()
        XCTAssertFalse(first.diagnosticsOnAnyNetwork, "Wi-Fi only until the user allows mobile data")

        await first.setDiagnosticsOnAnyNetwork(true)
        XCTAssertTrue(first.diagnosticsOnAnyNetwork)
        XCTAssertEqual(service.onAnyNetworkSaves, [true])

        let next = MoreModel(service: service, version: "1.0")
        await next.load()
        XCTAssertTrue(next.diagnosticsOnAnyNetwork)

        await next.setDiagnosticsOnAnyNetwork(false)
        XCTAssertEqual(service.onAnyNetworkSaves, [true, false])
        XCTAssertFalse(service.onAnyNetwork)
    }

    @MainActor
    func testAFailedMobileDataSavePutsTheToggleBackAndSaysWhy() async {
        let service = FakeService()
        service.diagnostics = true
        service.onAnyNetworkSaveAnswers = .failing(.storage(problem: .busy, accountId: nil, reason: "busy"))
        let model = MoreModel(service: service, version: "1.0")
        await model.load()
        await model.setDiagnosticsOnAnyNetwork(true)
        XCTAssertFalse(model.diagnosticsOnAnyNetwork)
        XCTAssertEqual(model.notice, "Your accounts are busy. Try again in a moment.")
    }

    @MainActor
    func testMobileDataWaitsForTheSavedValueAndForSharingToBeOn() async {
        let service = FakeService()
        let model = MoreModel(service: service, version: "1.0")
        XCTAssertFalse(model.networkToggleEnabled)
        await model.setDiagnosticsOnAnyNetwork(true)
        XCTAssertTrue(service.onAnyNetworkSaves.isEmpty, "nothing is saved before the saved value was read")

        await model.load()
        XCTAssertFalse(model.networkToggleEnabled, "sharing is off")
        await model.setDiagnostics(true)
        XCTAssertTrue(model.networkToggleEnabled)
    }

    @MainActor
    func testWhatIsSharedListsTheFieldsAndWhatIsNeverShared() async {
        var asked = 0
        let model = MoreModel(service: FakeService(), version: "1.0", disclosure: {
            asked += 1
            return DiagnosticsDisclosure(
                fields: [
                    SharedFieldItem(name: "install", meaning: "a random id"),
                    SharedFieldItem(name: "language", meaning: "the language of your locale"),
                ],
                neverShared: "account names, secrets and codes"
            )
        })
        await model.load()
        XCTAssertEqual(asked, 0, "the list is read when its screen opens")
        XCTAssertTrue(model.sharedFields.isEmpty)

        model.loadWhatIsShared()
        XCTAssertEqual(asked, 1)
        XCTAssertEqual(model.sharedFields.map(\.name), ["install", "language"])
        XCTAssertEqual(model.sharedFields.map(\.meaning), ["a random id", "the language of your locale"])
        XCTAssertEqual(model.neverSharedFooter, "Never shared: account names, secrets and codes.")
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
