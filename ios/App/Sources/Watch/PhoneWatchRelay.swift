import Countersign
import CountersignAppModel
import CountersignFFI
import os.log
import WatchConnectivity

/// The iPhone's end of the Watch app. The Watch holds no keys and runs no
/// Rust: it shows what this sends (requests as the core words them for a
/// Watch, the current codes) and sends back Approve or Deny, which the core
/// checks again and signs here (`answerFromWatch` refuses to approve what
/// needs a biometric or a number).
final class PhoneWatchRelay: NSObject, WCSessionDelegate {
    private let client: CountersignClient
    private let session: WCSession?
    private let log = OSLog(subsystem: "dev.countersign.app", category: "watch")
    @MainActor private var codesSharing: Task<Void, Never>?

    init(client: CountersignClient) {
        self.client = client
        // No Watch can pair with an iPad.
        session = WCSession.isSupported() ? WCSession.default : nil
    }

    func startSession() {
        session?.delegate = self
        session?.activate()
    }

    // MARK: Phone → Watch

    /// A request that just arrived, shown at once if the Watch app is open.
    /// Otherwise the Watch asks for what is pending when it opens.
    @MainActor
    func offer(requestId: String) {
        guard let session = session, session.activationState == .activated, session.isReachable else {
            return
        }
        Task { @MainActor in
            guard let request = try? await self.client.watchRequest(id: requestId) else {
                return
            }
            let now = Date()
            let message = WatchMessage.request(Self.card(request, readAt: now), sentAt: now)
            session.sendMessage(message, replyHandler: nil) { error in
                os_log("request not sent to the Watch: %{public}@", log: self.log, type: .info,
                       String(describing: error))
            }
        }
    }

    /// While the app is in front, the Watch's application context follows the
    /// codes: updated as each period rolls over, so the Watch opens on codes
    /// that are current or were until moments ago. Stopped in the background,
    /// where the vault is closed.
    @MainActor
    func startSharingCodes() {
        guard codesSharing == nil else {
            return
        }
        codesSharing = Task { @MainActor [weak self] in
            while !Task.isCancelled {
                guard let self = self else {
                    return
                }
                let seconds = await self.shareCodes()
                try? await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
            }
        }
    }

    @MainActor
    func stopSharingCodes() {
        codesSharing?.cancel()
        codesSharing = nil
    }

    /// Returns how long until the next code rolls over (or a while, when no
    /// Watch app is there to share with).
    @MainActor
    private func shareCodes() async -> Int {
        let idle = 30
        guard let session = session, session.activationState == .activated,
              session.isPaired, session.isWatchAppInstalled else {
            return idle
        }
        guard let codes = try? await codesMessage() else {
            return idle
        }
        do {
            try session.updateApplicationContext(codes.message)
        } catch {
            os_log("codes not shared with the Watch: %{public}@", log: log, type: .info, String(describing: error))
        }
        return max(codes.nextRollover, 1)
    }

    // MARK: Watch → phone

    func session(_ session: WCSession, didReceiveMessage message: [String: Any],
                 replyHandler: @escaping ([String: Any]) -> Void) {
        Task { @MainActor in
            await BackgroundActivity.run("Answer the Watch", closingAfterwards: self.client) {
                replyHandler(await self.reply(to: message))
            }
        }
    }

    @MainActor
    private func reply(to message: [String: Any]) async -> [String: Any] {
        switch WatchMessage.kind(of: message) {
        case .pendingRequests?:
            return await pendingRequests()
        case .answer?:
            guard let answer = WatchMessage.answerFields(in: message) else {
                return WatchMessage.failure("The Watch's answer was unreadable.")
            }
            return WatchMessage.outcome(await self.answer(answer.requestId, approve: answer.approve))
        case .codes?:
            do {
                let codes = try await codesMessage()
                // The next time the Watch opens, these are already there.
                try? session?.updateApplicationContext(codes.message)
                return codes.message
            } catch {
                return WatchMessage.failure(ErrorText(any: error).full)
            }
        default:
            return WatchMessage.failure("Update Countersign on your iPhone.")
        }
    }

    @MainActor
    private func pendingRequests() async -> [String: Any] {
        do {
            let pending = try await client.pendingReport()
            let now = Date()
            var cards: [WatchRequestCard] = []
            for request in pending.requests {
                // Answered or expired since the fetch: leave it out.
                if let watchRequest = try? await client.watchRequest(id: request.id) {
                    cards.append(Self.card(watchRequest, readAt: now))
                }
            }
            return WatchMessage.requests(cards, sentAt: now)
        } catch {
            return WatchMessage.failure(ErrorText(any: error).full)
        }
    }

    @MainActor
    private func answer(_ requestId: String, approve: Bool) async -> WatchOutcome {
        do {
            let result = try await client.answerFromWatch(id: requestId, approve: approve, number: nil,
                                                          reportFraud: false)
            switch result {
            case .approved:
                return .approved
            case let .approvedShowCode(code, message):
                return .approvedWithCode(code: code, message: message)
            case .denied:
                return .denied
            }
        } catch {
            switch CountersignError(any: error) {
            case .phoneRequired, .numberRequired, .biometricFailed:
                return .openOnPhone
            default:
                return .failed(ErrorText(any: error).full)
            }
        }
    }

    @MainActor
    private func codesMessage() async throws -> (message: [String: Any], nextRollover: Int) {
        let view = try await client.codes()
        let readAt = Date(timeIntervalSince1970: TimeInterval(view.now))
        let codes = view.items.compactMap { item -> WatchCode? in
            guard let code = item.code, let secondsLeft = item.secondsLeft else {
                return nil
            }
            return WatchCode(id: item.id, name: item.name, issuer: item.issuer ?? "", code: code,
                             expiresAt: readAt.addingTimeInterval(TimeInterval(secondsLeft)))
        }
        let nextRollover = view.items.compactMap { $0.secondsLeft }.min().map { Int($0) } ?? 30
        return (WatchMessage.codes(codes, sentAt: readAt), nextRollover)
    }

    private static func card(_ request: WatchRequest, readAt: Date) -> WatchRequestCard {
        WatchRequestCard(
            id: request.id,
            title: request.title,
            detail: request.detail,
            expiresAt: readAt.addingTimeInterval(TimeInterval(request.secondsLeft)),
            numberMatching: request.numberMatching,
            phoneRequired: request.phoneRequired
        )
    }

    // MARK: Session life cycle

    func session(_ session: WCSession, activationDidCompleteWith activationState: WCSessionActivationState,
                 error: Error?) {
        if let error = error {
            os_log("Watch session did not activate: %{public}@", log: log, type: .info, String(describing: error))
        }
    }

    func sessionDidBecomeInactive(_ session: WCSession) {}

    // The user switched to another Watch: talk to that one from now on.
    func sessionDidDeactivate(_ session: WCSession) {
        session.activate()
    }
}
