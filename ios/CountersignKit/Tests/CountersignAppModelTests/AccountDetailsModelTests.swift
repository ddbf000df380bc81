@testable import CountersignAppModel
import Countersign
import XCTest

final class AccountDetailsModelTests: XCTestCase {
    @MainActor
    private func loaded(_ id: String, in accounts: [AccountItemFixture]) async -> (AccountDetailsModel, FakeService) {
        let service = FakeService()
        service.accountsAnswers = .returning(accounts.enumerated().map { index, entry in
            Fixtures.account(entry.id, position: UInt32(index), issuer: entry.issuer, name: entry.name,
                             weakSecret: entry.weakSecret)
        })
        let model = AccountDetailsModel(service: service, accountId: id)
        await model.load()
        return (model, service)
    }

    private let three = [
        AccountItemFixture(id: "a1", issuer: "GitHub", name: "jane"),
        AccountItemFixture(id: "a2", issuer: nil, name: "bank", weakSecret: true),
        AccountItemFixture(id: "a3", issuer: "AWS", name: "root"),
    ]

    @MainActor
    func testLoadingShowsTheAccountAndWhereItCanMove() async {
        let (model, _) = await loaded("a1", in: three)
        XCTAssertEqual(model.title, "GitHub (jane)")
        XCTAssertEqual(model.issuer, "GitHub")
        XCTAssertFalse(model.canMoveUp)
        XCTAssertTrue(model.canMoveDown)
        XCTAssertEqual(model.facts, ["TOTP · 6 digits"])
    }

    @MainActor
    func testAWeakSecretIsSaid() async {
        let (model, _) = await loaded("a2", in: three)
        XCTAssertEqual(model.facts.last, AccountDetailsModel.weakSecretText)
    }

    @MainActor
    func testRenameTrimsAndSendsABlankIssuerAsNone() async {
        let (model, service) = await loaded("a1", in: three)
        model.issuer = "   "
        model.name = " jane.doe "
        await model.rename()
        XCTAssertEqual(service.renames.count, 1)
        XCTAssertNil(service.renames[0].issuer)
        XCTAssertEqual(service.renames[0].name, "jane.doe")
    }

    @MainActor
    func testABlankNameIsNotSent() async {
        let (model, service) = await loaded("a1", in: three)
        model.name = "  "
        await model.rename()
        XCTAssertTrue(service.renames.isEmpty)
        XCTAssertEqual(model.notice, "Enter the account name")
    }

    @MainActor
    func testMovingUpAndDownGoesOnePlace() async {
        let (model, service) = await loaded("a2", in: three)
        await model.moveUp()
        await model.moveDown()
        XCTAssertEqual(service.moves.map { $0.position }, [0, 2])
    }

    @MainActor
    func testTheTopAccountDoesNotMoveUp() async {
        let (model, service) = await loaded("a1", in: three)
        await model.moveUp()
        XCTAssertTrue(service.moves.isEmpty)
    }

    @MainActor
    func testDeleteWaitsForTheConfirmation() async {
        let (model, service) = await loaded("a3", in: three)
        model.requestDelete()
        XCTAssertTrue(model.confirmingDelete)
        XCTAssertTrue(service.deletedAccounts.isEmpty)
        await model.confirmDelete()
        XCTAssertEqual(service.deletedAccounts, ["a3"])
        XCTAssertTrue(model.isGone)
    }

    @MainActor
    func testAFailedDeleteSaysWhyAndStays() async {
        let (model, service) = await loaded("a3", in: three)
        service.deleteAnswers = .failing(.storage(problem: .diskFull, accountId: nil, reason: "full"))
        await model.confirmDelete()
        XCTAssertFalse(model.isGone)
        XCTAssertEqual(model.notice, "Your phone is full. Free some space; nothing was changed.")
    }

    @MainActor
    func testAnAccountDeletedElsewhereClosesTheScreen() async {
        let (model, _) = await loaded("gone", in: three)
        XCTAssertTrue(model.isGone)
    }
}

struct AccountItemFixture {
    let id: String
    let issuer: String?
    let name: String
    var weakSecret = false
}
