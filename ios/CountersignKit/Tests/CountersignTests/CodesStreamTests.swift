import Countersign
import CountersignFFI
import Foundation
import XCTest

final class CodesStreamTests: XCTestCase {
    func testTheFirstTickIsReadInTheSecondTheStreamStarts() async throws {
        let fake = FakeAuthenticator(codes: [.success(codesView(1))])
        let client = CountersignClient(opening: { fake })
        // Well inside a second, so "at once" and "at the next whole second"
        // cannot fall in the same one.
        try await sleepUntilJustAfterAWholeSecond()
        let started = Date()

        let first = await firstTick(of: client.codesStream())

        XCTAssertEqual(first, .view(codesView(1)))
        let call = try XCTUnwrap(fake.codesCalls.first)
        XCTAssertEqual(wholeSecond(call), wholeSecond(started))
    }

    func testAFailedReadIsATickAndTheNextSecondRecovers() async {
        let fake = FakeAuthenticator(codes: [
            .success(codesView(1)),
            .failure(.Network(reason: "offline")),
            .success(codesView(3)),
        ])
        let client = CountersignClient(opening: { fake })

        var ticks: [CodesTick] = []
        for await tick in client.codesStream() {
            ticks.append(tick)
            if ticks.count == 3 {
                break
            }
        }

        XCTAssertEqual(ticks, [
            .view(codesView(1)),
            .failure(.network(reason: "offline")),
            .view(codesView(3)),
        ])
    }

    func testCancellingTheConsumingTaskEndsTheStreamAndItsReads() async throws {
        let fake = FakeAuthenticator()
        let client = CountersignClient(opening: { fake })

        let consumer = Task { () -> Int in
            var received = 0
            for await _ in client.codesStream() {
                received += 1
                // The consumer's own task is cancelled, as when its screen goes.
                withUnsafeCurrentTask { task in
                    if let task = task {
                        task.cancel()
                    }
                }
            }
            return received
        }
        // Returns only if the stream ended.
        let received = await consumer.value
        XCTAssertGreaterThanOrEqual(received, 1)

        // The producer stopped with it: no read at the next whole second.
        let reads = fake.codesCalls.count
        try await Task.sleep(nanoseconds: 1_500_000_000)
        XCTAssertEqual(fake.codesCalls.count, reads)
        // And the core's codes screen was closed (its key states dropped).
        XCTAssertEqual(fake.codesViewCloses, 1)
    }

    func testAFakeServiceGetsTheStreamToo() async {
        let service = StaticService()
        let first = await firstTick(of: service.codesStream())
        XCTAssertEqual(first, .failure(.storage(problem: .busy, accountId: nil, reason: "busy")))
    }
}

private func firstTick(of stream: AsyncStream<CodesTick>) async -> CodesTick? {
    for await tick in stream {
        return tick
    }
    return nil
}

private func wholeSecond(_ date: Date) -> Int64 {
    Int64(date.timeIntervalSince1970.rounded(.down))
}

private func sleepUntilJustAfterAWholeSecond() async throws {
    let now = Date().timeIntervalSince1970
    let wait = now.rounded(.down) + 1.05 - now
    try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
}

/// A view-model test's fake: `codesStream()` comes with the protocol.
private final class StaticService: CountersignService {
    func codes() async throws -> CodesView {
        throw CountersignError.storage(problem: .busy, accountId: nil, reason: "busy")
    }

    func protectId() async throws -> String { "" }
    func addAccount(uri: String) async throws -> String { throw unused }
    func previewImport(file: Data, password: String?) async throws -> ImportPlan { throw unused }
    func importFile(file: Data, password: String?) async throws -> UInt32 { throw unused }
    func accounts(search: String?) async throws -> [AccountItem] { throw unused }
    func nextHotpCode(id: String) async throws -> String { throw unused }
    func rename(id: String, issuer: String?, name: String) async throws { throw unused }
    func moveAccount(id: String, position: UInt32) async throws { throw unused }
    func deleteAccount(id: String) async throws { throw unused }
    func diagnosticsEnabled() async throws -> Bool { throw unused }
    func setDiagnosticsEnabled(_ enabled: Bool) async throws { throw unused }
    func diagnosticsQueue() async throws -> [String] { throw unused }
    func diagnosticsOnAnyNetwork() async throws -> Bool { throw unused }
    func setDiagnosticsOnAnyNetwork(_ onAnyNetwork: Bool) async throws { throw unused }
    func noteScan(_ outcome: ScanEnd, frames: UInt32, millis: UInt32) async {}
    func sendDiagnostics(collector: URL, environment: DiagnosticsEnvironment,
                         network: NetworkKind) async throws -> DiagnosticsSent { throw unused }
    func enrollPush(uri: String, scannedAt: Date, deviceName: String, pushToken: Data?,
                    acceptUncheckedCertificates: Bool) async throws -> PushAccountItem { throw unused }
    func pushAccounts() async throws -> [PushAccountItem] { throw unused }
    func deletePushAccount(id: String) async throws { throw unused }
    func pendingReport() async throws -> PendingView { throw unused }
    func updatePushToken(_ token: Data?) async throws -> [PushFailureItem] { throw unused }
    func handlePushPayload(userInfo: [AnyHashable: Any]) async throws -> PushRequestItem? { throw unused }
    func approve(id: String, number: String?, prompt: BiometricPrompt) async throws -> AnswerResult { throw unused }
    func deny(id: String, reportFraud: Bool) async throws -> AnswerResult { throw unused }
    func watchRequest(id: String) async throws -> WatchRequest { throw unused }
    func answerFromWatch(id: String, approve: Bool, number: String?,
                         reportFraud: Bool) async throws -> AnswerResult { throw unused }

    private var unused: CountersignError { .platform(reason: "not used by this test") }
}
