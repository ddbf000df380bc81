import SwiftUI

/// The requests waiting for an answer, then the way to the codes.
struct WatchHomeView: View {
    @ObservedObject var session: WatchSession
    @State private var now = Date()
    private let ticker = Timer.publish(every: 1, on: .main, in: .common).autoconnect()

    // Spelled out: private @State makes the synthesized initialiser private.
    init(session: WatchSession) {
        self.session = session
    }

    var body: some View {
        List {
            Section(header: Text("Sign-in requests")) {
                if liveRequests.isEmpty {
                    Text(session.problem ?? "Nothing to approve.")
                        .font(.footnote)
                        .foregroundColor(.secondary)
                }
                ForEach(liveRequests) { card in
                    NavigationLink(destination: RequestView(card: card, session: session)) {
                        VStack(alignment: .leading, spacing: 2) {
                            Text(card.title)
                                .font(.headline)
                                .lineLimit(2)
                            Text("\(card.secondsLeft(at: now)) s left")
                                .font(.footnote)
                                .foregroundColor(.secondary)
                        }
                    }
                }
            }
            Section {
                NavigationLink(destination: WatchCodesView(session: session)) {
                    Text("Codes")
                }
                Button("Refresh") {
                    session.refresh()
                }
            }
        }
        .navigationTitle("Countersign")
        .onAppear { session.refresh() }
        .onReceive(ticker) { now = $0 }
    }

    /// Expired requests drop out; answered ones stay until they expire, so
    /// their outcome can still be read.
    private var liveRequests: [WatchRequestCard] {
        session.requests.filter { $0.secondsLeft(at: now) > 0 }
    }
}
