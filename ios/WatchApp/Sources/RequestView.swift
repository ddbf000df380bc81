import SwiftUI

/// One request: what it is, how long it has left, and the answers the Watch
/// may give. Approving what needs Face ID or a typed number is for the
/// iPhone; Deny is always offered.
struct RequestView: View {
    let card: WatchRequestCard
    @ObservedObject var session: WatchSession
    @State private var now = Date()
    private let ticker = Timer.publish(every: 1, on: .main, in: .common).autoconnect()

    // Spelled out: private @State makes the synthesized initialiser private.
    init(card: WatchRequestCard, session: WatchSession) {
        self.card = card
        self.session = session
    }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 8) {
                Text(card.title)
                    .font(.headline)
                if !card.detail.isEmpty {
                    Text(card.detail)
                        .font(.footnote)
                        .foregroundColor(.secondary)
                }
                Text(secondsLeft > 0 ? "\(secondsLeft) s left" : "Expired")
                    .font(.footnote)
                answers
            }
        }
        .onReceive(ticker) { now = $0 }
    }

    private var secondsLeft: Int {
        card.secondsLeft(at: now)
    }

    @ViewBuilder
    private var answers: some View {
        if let outcome = session.outcomes[card.id] {
            Text(Self.text(for: outcome))
                .font(.body)
        } else if session.answering.contains(card.id) {
            ProgressView()
        } else if secondsLeft > 0 {
            if card.approvableOnWatch {
                Button("Approve") {
                    session.answer(card, approve: true)
                }
            } else {
                Text("Open on iPhone to approve.")
                    .font(.footnote)
            }
            Button("Deny") {
                session.answer(card, approve: false)
            }
            .foregroundColor(.red)
        }
    }

    static func text(for outcome: WatchOutcome) -> String {
        switch outcome {
        case .approved:
            return "Approved"
        case let .approvedWithCode(code, message):
            return "\(message): \(code)"
        case .denied:
            return "Denied"
        case .openOnPhone:
            return "Open on iPhone to approve."
        case let .failed(reason):
            return reason
        }
    }
}
