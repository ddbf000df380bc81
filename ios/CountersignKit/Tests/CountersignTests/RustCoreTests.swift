import Countersign
import CountersignFFI
import Foundation
import XCTest

/// The facade over the real Rust library (the xcframework's macOS slice).
final class RustCoreTests: XCTestCase {
    private let acme = "otpauth://totp/ACME:jane@acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME"
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("countersign-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func makeClient() -> CountersignClient {
        let vault = directory.appendingPathComponent("vault.sqlite").path
        let keys = MemoryKeyStore()
        return CountersignClient(opening: {
            try Authenticator.open(path: vault, keyStore: keys, hardwareKeys: nil)
        })
    }

    func testAnAddedAccountIsListedWithASixDigitCode() async throws {
        let client = makeClient()

        let id = try await client.addAccount(uri: acme)

        let view = try await client.codes()
        let item = try XCTUnwrap(view.items.first { $0.id == id })
        let code = try XCTUnwrap(item.code)
        XCTAssertEqual(code.count, 6)
        XCTAssertTrue(code.allSatisfy { ("0"..."9").contains($0) }, code)
        XCTAssertEqual(item.issuer, "ACME")
        XCTAssertEqual(item.name, "jane@acme.example")

        let accounts = try await client.accounts(search: nil)
        XCTAssertEqual(accounts.map(\.id), [id])
        XCTAssertEqual(accounts.first?.issuer, "ACME")
        XCTAssertEqual(accounts.first?.name, "jane@acme.example")
        XCTAssertEqual(accounts.first?.kind, .totp)
    }

    func testAURIThatIsNotAnAccountIsInvalidInput() async {
        let client = makeClient()

        let error = await thrownError {
            try await client.addAccount(uri: "otpauth://totp/ACME:jane@acme.example?issuer=ACME")
        }

        guard case .invalidInput(let reason)? = error as? CountersignError else {
            return XCTFail("expected .invalidInput, got \(String(describing: error))")
        }
        XCTAssertFalse(reason.isEmpty, "the core says what is wrong")
    }

    func testAddingTheSameAccountAgainNamesTheOneThere() async throws {
        let client = makeClient()
        let id = try await client.addAccount(uri: acme)

        let error = await thrownError { try await client.addAccount(uri: acme) }

        guard case .duplicate(let existingId, _)? = error as? CountersignError else {
            return XCTFail("expected .duplicate, got \(String(describing: error))")
        }
        XCTAssertEqual(existingId, id)
        let accounts = try await client.accounts(search: nil)
        XCTAssertEqual(accounts.count, 1)
    }

    func testAGarbageChallengeThrowsUntrusted() async {
        let client = makeClient()
        let userInfo: [AnyHashable: Any] = [
            "aps": ["alert": "Sign in to ACME?", "mutable-content": 1] as [String: Any],
            "countersign_device": "d1",
            "countersign_challenge": "this is not a signed challenge",
        ]

        let error = await thrownError { try await client.handlePushPayload(userInfo: userInfo) }

        guard case .untrusted? = error as? CountersignError else {
            return XCTFail("expected .untrusted, got \(String(describing: error))")
        }
    }

    func testCodesWorkAgainAfterSuspend() async throws {
        let client = makeClient()
        let id = try await client.addAccount(uri: acme)

        client.suspend()
        let view = try await client.codes()

        XCTAssertEqual(view.items.map(\.id), [id])
        XCTAssertNotNil(view.items.first?.code)
    }

    func testAConfigurationOpensTheVaultAtItsPath() async throws {
        // The init the app uses (appGroup(_:) needs an entitled App Group).
        let vault = directory.appendingPathComponent("vault.sqlite").path
        let client = CountersignClient(
            CountersignClient.Configuration(vaultPath: vault, keyStore: MemoryKeyStore(), hardwareKeys: nil)
        )

        let view = try await client.codes()

        XCTAssertEqual(view.items, [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: vault))
    }
}
