@testable import CountersignAppModel
import Countersign
import XCTest

final class ManualEntryModelTests: XCTestCase {
    private func filled(_ service: FakeService = FakeService()) -> ManualEntryModel {
        let model = ManualEntryModel(service: service)
        model.issuer = " GitHub "
        model.name = "jane doe@example.com"
        model.secret = "jbsw y3dp-ehpk 3pxp"
        return model
    }

    func testTheUriEncodesTheLabelAndCleansTheKey() {
        XCTAssertEqual(
            filled().uri(),
            "otpauth://totp/GitHub:jane%20doe%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=GitHub&algorithm=SHA1&digits=6&period=30"
        )
    }

    func testAColonOrAmpersandInANameCannotBreakTheUriApart() {
        let model = filled()
        model.issuer = "A&B: Co"
        model.name = "ü?x"
        XCTAssertEqual(
            model.uri(),
            "otpauth://totp/A%26B%3A%20Co:%C3%BC%3Fx?secret=JBSWY3DPEHPK3PXP&issuer=A%26B%3A%20Co&algorithm=SHA1&digits=6&period=30"
        )
    }

    func testACounterBasedAccountWritesItsCounterNotAPeriod() {
        let model = filled()
        model.issuer = ""
        model.kind = .hotp
        model.algorithm = .sha256
        model.digits = 8
        model.counter = "5"
        XCTAssertEqual(
            model.uri(),
            "otpauth://hotp/jane%20doe%40example.com?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&digits=8&counter=5"
        )
    }

    @MainActor
    func testAddingSendsTheUriAndRemembersTheNewAccount() async {
        let service = FakeService()
        service.addAccountAnswers = .returning("new-1")
        let model = filled(service)
        await model.add()
        XCTAssertEqual(service.addedURIs, [model.uri()])
        XCTAssertEqual(model.addedId, "new-1")
        XCTAssertTrue(model.errors.isEmpty)
    }

    @MainActor
    func testBlankNameAndKeyAreShownUnderTheirFieldsWithoutAskingTheCore() async {
        let service = FakeService()
        let model = ManualEntryModel(service: service)
        await model.add()
        XCTAssertEqual(model.error(for: .name), "Enter the account name")
        XCTAssertEqual(model.error(for: .secret), "Enter the key")
        XCTAssertTrue(service.addedURIs.isEmpty)
    }

    @MainActor
    func testTheCoresComplaintAboutTheKeyIsShownUnderTheKey() async {
        let service = FakeService()
        service.addAccountAnswers = .failing(.invalidInput(reason: "the secret parameter is wrong: not base32"))
        let model = filled(service)
        await model.add()
        XCTAssertEqual(model.error(for: .secret), "The secret parameter is wrong: not base32.")
        XCTAssertNil(model.error(for: .form))
        XCTAssertNil(model.addedId)
    }

    @MainActor
    func testADuplicateIsSaidUnderTheForm() async {
        let service = FakeService()
        service.addAccountAnswers = .failing(.duplicate(existingId: "a1", reason: "already there"))
        let model = filled(service)
        await model.add()
        XCTAssertEqual(model.error(for: .form), "This account is already here.")
    }

    func testANonNumericPeriodIsCaughtBeforeSending() {
        let model = filled()
        model.period = "thirty"
        XCTAssertEqual(model.problems()[.period], "Enter the period in seconds (usually 30)")
    }
}
