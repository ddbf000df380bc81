@testable import CountersignAppModel
import Countersign
import CountersignFFI
import XCTest

final class ImportModelTests: XCTestCase {
    private let file = Data("{\"db\": \"…\"}".utf8)

    @MainActor
    func testAnEncryptedFileAsksForItsPasswordThenPreviewsAndImportsWithIt() async {
        let service = FakeService()
        let plan = Fixtures.plan(adding: ["jane", "ops"], duplicates: 1)
        service.previewAnswers = Script([
            .failure(.wrongPassword(passwordMissing: true, reason: "encrypted")),
            .failure(.wrongPassword(passwordMissing: false, reason: "wrong")),
            .success(plan),
        ])
        service.importAnswers = .returning(2)
        let model = ImportModel(service: service)

        await model.load(file: file)
        XCTAssertEqual(model.step, .needsPassword(wrong: false))

        model.password = "guess"
        await model.submitPassword()
        XCTAssertEqual(model.step, .needsPassword(wrong: true))

        model.password = "right"
        await model.submitPassword()
        XCTAssertEqual(model.step, .preview(plan))
        XCTAssertEqual(ImportModel.summary(plan), "aegis export: 2 new accounts, 1 already here")
        XCTAssertEqual(ImportModel.actionTitle(plan), "Import 2 accounts")

        await model.confirmImport()
        XCTAssertEqual(service.previewPasswords, [nil, "guess", "right"])
        XCTAssertEqual(service.importPasswords, ["right"])
        XCTAssertEqual(model.step, .done(count: 2))
        XCTAssertEqual(ImportModel.imported(2), "2 accounts imported")
    }

    @MainActor
    func testAnUnknownFileSaysWhy() async {
        let service = FakeService()
        service.previewAnswers = .failing(.invalidInput(reason: "this file is not an export Countersign can read"))
        let model = ImportModel(service: service)
        await model.load(file: file)
        XCTAssertEqual(model.step, .failed("This file is not an export Countersign can read."))
        model.chooseAnother()
        XCTAssertEqual(model.step, .choosingFile)
    }

    @MainActor
    func testAFileWithNothingNewCannotBeImported() async {
        let service = FakeService()
        service.previewAnswers = .returning(Fixtures.plan(adding: [], duplicates: 3))
        let model = ImportModel(service: service)
        await model.load(file: file)
        await model.confirmImport()
        XCTAssertTrue(service.importPasswords.isEmpty)
    }

    @MainActor
    func testAFailedImportKeepsThePreviewAndSaysWhy() async {
        let service = FakeService()
        let plan = Fixtures.plan(adding: ["jane"])
        service.previewAnswers = .returning(plan)
        service.importAnswers = .failing(.storage(problem: .busy, accountId: nil, reason: "busy"))
        let model = ImportModel(service: service)
        await model.load(file: file)
        await model.confirmImport()
        XCTAssertEqual(model.step, .preview(plan))
        XCTAssertEqual(model.notice, "Your accounts are busy. Try again in a moment.")
    }

    @MainActor
    func testAnOversizedFileIsRefusedWithoutAskingTheCore() async {
        let service = FakeService()
        let model = ImportModel(service: service)
        await model.load(file: Data(count: ImportModel.maxFileBytes + 1))
        XCTAssertEqual(model.step, .failed(ImportModel.tooLargeText))
        XCTAssertTrue(service.previewPasswords.isEmpty)
    }

    func testSkippedEntriesSayWhy() {
        XCTAssertEqual(ImportModel.skippedLine(SkippedEntry(name: "Steam", reason: "no secret")),
                       "Not imported: Steam: no secret")
        XCTAssertEqual(ImportModel.accountLine(ImportedAccount(issuer: nil, name: "jane")), "jane")
    }
}
