import Countersign
import CountersignFFI
import Foundation
import XCTest

final class DiagnosticsTests: XCTestCase {
    func testTheEnvironmentPassesWhatIOSSaysAsGiven() {
        let environment = DiagnosticsEnvironment.iOS(appVersion: "1.4.0", osVersion: "17.4.1", isPad: false,
                                                     localeIdentifier: "de_CH")
        // The core keeps only "de" and the version numbers; the facade does
        // not decide that for it.
        XCTAssertEqual(environment, DiagnosticsEnvironment(appVersion: "1.4.0", platform: .ios, osVersion: "17.4.1",
                                                           device: .phone, locale: "de_CH"))
    }

    func testAnIPadIsATablet() {
        let environment = DiagnosticsEnvironment.iOS(appVersion: "1.4.0", osVersion: "17.4", isPad: true,
                                                     localeIdentifier: "en_US")
        XCTAssertEqual(environment.device, .tablet)
        XCTAssertEqual(environment.platform, .ios)
        XCTAssertEqual(environment.locale, "en_US")
    }

    func testACodeCountersignCanUseIsDecodedAndAnyOtherUnsupported() {
        let decoded: [ScanKind] = [.otpauth, .migrationBatch, .pushEnrollment, .privacyIdeaPush]
        let unsupported: [ScanKind] = [.invalidOtpauth, .invalidMigration, .notAuthenticator]
        XCTAssertEqual(decoded.map(ScanEnd.codeRead), Array(repeating: .decoded, count: decoded.count))
        XCTAssertEqual(unsupported.map(ScanEnd.codeRead),
                       Array(repeating: .unsupportedPayload, count: unsupported.count))
    }

    func testSendingGoesToTheCollectorWithTheEnvironmentAndNetworkAsGiven() async throws {
        let fake = FakeAuthenticator(diagnosticsSend: .success(.sent(events: 3)))
        let client = CountersignClient(opening: { fake })
        let environment = DiagnosticsEnvironment.iOS(appVersion: "0.1.0", osVersion: "16.2", isPad: false,
                                                     localeIdentifier: "fr_FR")
        let collector = try XCTUnwrap(URL(string: "https://diagnostics.example"))

        let sent = try await client.sendDiagnostics(collector: collector, environment: environment,
                                                    network: .metered)

        XCTAssertEqual(sent, .sent(events: 3))
        XCTAssertEqual(fake.diagnosticsSends, [
            FakeAuthenticator.DiagnosticsSend(collectorUrl: "https://diagnostics.example", environment: environment,
                                              network: .metered),
        ])
    }

    func testAFailedSendArrivesMapped() async throws {
        let fake = FakeAuthenticator(diagnosticsSend: .failure(.Network(reason: "collector unreachable")))
        let client = CountersignClient(opening: { fake })
        let collector = try XCTUnwrap(URL(string: "https://diagnostics.example"))

        let error = await thrownError {
            try await client.sendDiagnostics(
                collector: collector,
                environment: .iOS(appVersion: "0.1.0", osVersion: "16.2", isPad: false, localeIdentifier: "en"),
                network: NetworkKind.none
            )
        }

        XCTAssertEqual(error as? CountersignError, .network(reason: "collector unreachable"))
    }

    func testTheSettingsAndTheScanReachTheCore() async throws {
        let fake = FakeAuthenticator(diagnosticsQueue: ["{\"event\":\"scan_finished\"}"])
        let client = CountersignClient(opening: { fake })

        let before = try await client.diagnosticsOnAnyNetwork()
        try await client.setDiagnosticsOnAnyNetwork(true)
        await client.noteScan(.decoded, frames: 12, millis: 640)
        let queued = try await client.diagnosticsQueue()

        XCTAssertFalse(before)
        XCTAssertTrue(fake.onAnyNetworkSaved)
        XCTAssertEqual(fake.notedScans, [FakeAuthenticator.Scan(outcome: .decoded, frames: 12, millis: 640)])
        XCTAssertEqual(queued, ["{\"event\":\"scan_finished\"}"])
    }

    func testANoteIsLostQuietlyWhenTheVaultCannotOpen() async {
        let opener = CountingOpener(failures: 1)
        let client = CountersignClient(opening: opener.open)

        await client.noteScan(.cancelled, frames: 0, millis: 0)

        XCTAssertEqual(opener.opens, 1)
    }
}
