@testable import CountersignAppModel
import Countersign
import CountersignFFI
import XCTest

final class EnrollModelTests: XCTestCase {
    private let scannedAt = Date(timeIntervalSince1970: 1_700_000_000)
    private let token = Data([0xde, 0xad, 0xbe, 0xef])

    private func model(_ item: ScanItem, _ service: FakeService) -> EnrollModel {
        EnrollModel(item: item, service: service, deviceName: "Jane's iPhone",
                    pushToken: { self.token }, scannedAt: scannedAt)
    }

    @MainActor
    func testAnOtpauthCodeAddsTheAccount() async {
        let service = FakeService()
        service.addAccountAnswers = .returning("a9")
        let uri = "otpauth://totp/GitHub:jane?secret=JBSWY3DPEHPK3PXP&issuer=GitHub"
        let enroll = model(Fixtures.scan(uri, kind: .otpauth), service)
        await enroll.start()
        XCTAssertEqual(service.addedURIs, [uri])
        XCTAssertEqual(enroll.step, .accountAdded(id: "a9"))
    }

    @MainActor
    func testAPushCodeEnrollsThisPhoneWithItsNameTokenAndScanTime() async {
        let service = FakeService()
        let account = Fixtures.pushAccount()
        service.enrollAnswers = .returning(account)
        let uri = "countersign://enroll?server=https%3A%2F%2Fmfa.example.com&token=t"
        let enroll = model(Fixtures.scan(uri, kind: .pushEnrollment), service)
        await enroll.start()
        XCTAssertEqual(service.enrollCalls, [EnrollCall(uri: uri, scannedAt: scannedAt, deviceName: "Jane's iPhone",
                                                        pushToken: token, acceptUncheckedCertificates: false)])
        XCTAssertEqual(enroll.step, .enrolled(account))
        XCTAssertEqual(EnrollModel.enrolledFor(account), "This phone now approves sign-ins for Example Corp")
    }

    @MainActor
    func testUncheckedCertificatesAreAcceptedOnlyAfterTheUserAgrees() async {
        let service = FakeService()
        let account = Fixtures.pushAccount(certificateChecks: false)
        service.enrollAnswers = Script([
            .failure(.certificateChecksOff(url: "https://pi.example.com", reason: "this code turns certificate checks off")),
            .success(account),
        ])
        let uri = "otpauth://pipush/PIPU0001?url=https%3A//pi.example.com/ttype/push&sslverify=0"
        let enroll = model(Fixtures.scan(uri, kind: .privacyIdeaPush), service)

        await enroll.start()
        XCTAssertEqual(enroll.step, .confirmUncheckedCertificates(
            url: "https://pi.example.com", warning: "This code turns certificate checks off."))

        await enroll.acceptUncheckedCertificates()
        XCTAssertEqual(service.enrollCalls.map(\.acceptUncheckedCertificates), [false, true])
        XCTAssertEqual(service.enrollCalls.map(\.scannedAt), [scannedAt, scannedAt],
                       "the retry keeps the scan's time: privacyIDEA's time limit counts from it")
        XCTAssertEqual(enroll.step, .enrolled(account))
    }

    @MainActor
    func testDecliningTheCertificateWarningEnrollsNothing() async {
        let service = FakeService()
        service.enrollAnswers = .failing(.certificateChecksOff(url: "https://pi.example.com", reason: "off"))
        let enroll = model(Fixtures.scan("otpauth://pipush/x", kind: .privacyIdeaPush), service)
        await enroll.start()
        enroll.declineUncheckedCertificates()
        XCTAssertEqual(enroll.step, .message(EnrollModel.notEnrolled))
        XCTAssertEqual(service.enrollCalls.count, 1)
    }

    @MainActor
    func testALinkThatIsNotForAnAuthenticatorNamesItsHost() async {
        let enroll = model(Fixtures.scan("https://shop.example.com/x", kind: .notAuthenticator,
                                         detail: "shop.example.com"), FakeService())
        await enroll.start()
        XCTAssertEqual(enroll.step, .message("This QR code is not for an authenticator: it links to shop.example.com."))
    }

    @MainActor
    func testABrokenOtpauthCodeSaysWhatIsWrong() async {
        let enroll = model(Fixtures.scan("otpauth://totp/x", kind: .invalidOtpauth,
                                         detail: "the secret parameter is missing"), FakeService())
        await enroll.start()
        XCTAssertEqual(enroll.step, .message("The secret parameter is missing."))
    }

    @MainActor
    func testAGoogleAuthenticatorExportGoesToTheImportPreview() async {
        let text = "otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SBGphbmUaBkdpdEh1YiABKAEwAhABGAEgAA%3D%3D"
        let enroll = model(Fixtures.scan(text, kind: .migrationBatch), FakeService())
        await enroll.start()
        XCTAssertEqual(enroll.step, .importExport(Data(text.utf8)))
    }

    @MainActor
    func testAnAccountAlreadyHereIsSaid() async {
        let service = FakeService()
        service.addAccountAnswers = .failing(.duplicate(existingId: "a1", reason: "duplicate"))
        let enroll = model(Fixtures.scan("otpauth://totp/x?secret=A", kind: .otpauth), service)
        await enroll.start()
        XCTAssertEqual(enroll.step, .message("This account is already here."))
    }
}
