import Combine
import Foundation
import WatchConnectivity

/// The Watch's end of the link to the iPhone: what the phone sent, and the
/// answers going back. Everything is decided on the phone; this only shows
/// and relays.
final class WatchSession: NSObject, ObservableObject, WCSessionDelegate {
    @Published private(set) var requests: [WatchRequestCard] = []
    @Published private(set) var codes: [WatchCode] = []
    @Published private(set) var phoneReachable = false
    /// Why the last refresh showed nothing new, when it failed.
    @Published private(set) var problem: String?
    /// Answers sent, by request id: nil until the phone replied.
    @Published private(set) var outcomes: [String: WatchOutcome] = [:]
    @Published private(set) var answering: Set<String> = []

    private let session = WCSession.default
    private var askingForCodes = false

    override init() {
        super.init()
        session.delegate = self
        session.activate()
    }

    /// Asks the phone for what is pending and for fresh codes.
    func refresh() {
        guard session.activationState == .activated, session.isReachable else {
            problem = "Your iPhone is not reachable."
            return
        }
        problem = nil
        session.sendMessage(WatchMessage.asking(for: .pendingRequests), replyHandler: { reply in
            DispatchQueue.main.async { self.received(reply) }
        }, errorHandler: { error in
            DispatchQueue.main.async { self.problem = error.localizedDescription }
        })
        refreshCodes()
    }

    /// New codes once the shown ones ran out; one question at a time.
    func refreshCodes() {
        guard !askingForCodes, session.activationState == .activated, session.isReachable else {
            return
        }
        askingForCodes = true
        session.sendMessage(WatchMessage.asking(for: .codes), replyHandler: { reply in
            DispatchQueue.main.async {
                self.askingForCodes = false
                self.received(reply)
            }
        }, errorHandler: { _ in
            DispatchQueue.main.async { self.askingForCodes = false }
        })
    }

    func answer(_ card: WatchRequestCard, approve: Bool) {
        guard session.activationState == .activated, session.isReachable else {
            outcomes[card.id] = .failed("Your iPhone is not reachable.")
            return
        }
        answering.insert(card.id)
        session.sendMessage(WatchMessage.answer(requestId: card.id, approve: approve), replyHandler: { reply in
            DispatchQueue.main.async {
                self.answering.remove(card.id)
                self.outcomes[card.id] = WatchMessage.outcome(in: reply)
            }
        }, errorHandler: { error in
            DispatchQueue.main.async {
                self.answering.remove(card.id)
                self.outcomes[card.id] = .failed(error.localizedDescription)
            }
        })
    }

    private func received(_ message: [String: Any]) {
        if let text = WatchMessage.failureText(in: message) {
            problem = text
            return
        }
        switch WatchMessage.kind(of: message) {
        case .requests?:
            requests = WatchMessage.cards(in: message)
        case .request?:
            for card in WatchMessage.cards(in: message) where !requests.contains(where: { $0.id == card.id }) {
                requests.insert(card, at: 0)
            }
        case .codes?:
            codes = WatchMessage.codes(in: message)
        default:
            break
        }
    }

    // MARK: WCSessionDelegate (called on a background queue)

    func session(_ session: WCSession, activationDidCompleteWith activationState: WCSessionActivationState,
                 error: Error?) {
        let context = session.receivedApplicationContext
        let reachable = session.isReachable
        DispatchQueue.main.async {
            self.phoneReachable = reachable
            // The last codes the phone shared: shown until fresh ones come.
            self.received(context)
            self.refresh()
        }
    }

    func sessionReachabilityDidChange(_ session: WCSession) {
        let reachable = session.isReachable
        DispatchQueue.main.async {
            self.phoneReachable = reachable
            if reachable {
                self.refresh()
            }
        }
    }

    func session(_ session: WCSession, didReceiveMessage message: [String: Any]) {
        DispatchQueue.main.async { self.received(message) }
    }

    func session(_ session: WCSession, didReceiveApplicationContext applicationContext: [String: Any]) {
        DispatchQueue.main.async { self.received(applicationContext) }
    }
}
