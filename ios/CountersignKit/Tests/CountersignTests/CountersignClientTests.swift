import Countersign
import CountersignFFI
import Foundation
import XCTest

final class CountersignClientTests: XCTestCase {
    func testTheVaultIsOpenedOnceAndReopenedAfterSuspend() async throws {
        let opener = CountingOpener()
        let client = CountersignClient(opening: opener.open)
        XCTAssertEqual(opener.opens, 0, "nothing opens before the first call")

        _ = try await client.codes()
        _ = try await client.protectId()
        XCTAssertEqual(opener.opens, 1)

        client.suspend()
        XCTAssertNil(opener.latest, "suspend lets the core go")
        XCTAssertEqual(opener.opens, 1, "suspend opens nothing")

        _ = try await client.codes()
        XCTAssertEqual(opener.opens, 2)
    }

    func testAFailedOpenIsMappedAndTheNextCallTriesAgain() async throws {
        let opener = CountingOpener(failures: 1)
        let client = CountersignClient(opening: opener.open)

        let error = await thrownError { try await client.codes() }
        XCTAssertEqual(error as? CountersignError, .keyStore(reason: "the Keychain is locked"))

        _ = try await client.codes()
        XCTAssertEqual(opener.opens, 2)
    }

    func testTheCoresErrorsArriveMapped() async {
        let fake = FakeAuthenticator(codes: [.failure(.NotFound(id: "a1", reason: "gone"))])
        let client = CountersignClient(opening: { fake })

        let error = await thrownError { try await client.codes() }
        XCTAssertEqual(error as? CountersignError, .notFound(id: "a1", reason: "gone"))
    }

    func testEnrollmentSaysIOSWholeSecondsAndTheTokenInHex() async throws {
        let fake = FakeAuthenticator()
        let client = CountersignClient(opening: { fake })

        let error = await thrownError {
            try await client.enrollPush(
                uri: "countersign://enroll?v=1",
                scannedAt: Date(timeIntervalSince1970: 1_700_000_000.75),
                deviceName: "Jane's iPhone",
                pushToken: Data([0xde, 0xad, 0x0b, 0xee]),
                acceptUncheckedCertificates: true
            )
        }

        XCTAssertEqual(error as? CountersignError, .network(reason: "offline"))
        XCTAssertEqual(fake.enrolled, [
            FakeAuthenticator.Enrollment(
                uri: "countersign://enroll?v=1",
                scannedAt: 1_700_000_000,
                deviceName: "Jane's iPhone",
                platform: "ios",
                pushToken: "dead0bee",
                acceptUncheckedCertificates: true
            ),
        ])
    }

    func testANewTokenIsSentInHexAndNoTokenAsNil() async throws {
        let fake = FakeAuthenticator()
        let client = CountersignClient(opening: { fake })

        _ = try await client.updatePushToken(Data([0x01, 0xab]))
        _ = try await client.updatePushToken(nil)

        XCTAssertEqual(fake.updatedTokens, ["01ab", nil])
    }

    func testTheNotificationReachesTheCoreAsJSON() async throws {
        let fake = FakeAuthenticator()
        let client = CountersignClient(opening: { fake })
        let userInfo: [AnyHashable: Any] = [
            "aps": ["alert": "Sign in to ACME?", "category": "COUNTERSIGN_REQUEST", "mutable-content": 1] as [String: Any],
            "countersign_device": "d1",
            "countersign_challenge": "eyJ.eyJ.sig",
        ]

        let request = try await client.handlePushPayload(userInfo: userInfo)

        XCTAssertNil(request)
        let payload = try XCTUnwrap(fake.handledPayloads.first)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: payload) as? [String: Any])
        XCTAssertEqual(object["countersign_device"] as? String, "d1")
        XCTAssertEqual(object["countersign_challenge"] as? String, "eyJ.eyJ.sig")
        let aps = try XCTUnwrap(object["aps"] as? [String: Any])
        XCTAssertEqual(aps["category"] as? String, "COUNTERSIGN_REQUEST")
    }

    func testAUserInfoJSONCannotHoldIsRefusedNotACrash() async {
        let opener = CountingOpener()
        let client = CountersignClient(opening: opener.open)

        let error = await thrownError {
            try await client.handlePushPayload(userInfo: ["countersign_challenge": Date()])
        }

        guard case .untrusted? = error as? CountersignError else {
            return XCTFail("expected .untrusted, got \(String(describing: error))")
        }
        XCTAssertEqual(opener.opens, 0, "refused before the vault was needed")
    }
}
