import SwiftUI

/// The codes the iPhone shared. A code whose period has run out is hidden
/// (the Watch cannot make the next one) until the iPhone sends new ones.
struct WatchCodesView: View {
    @ObservedObject var session: WatchSession
    @State private var now = Date()
    private let ticker = Timer.publish(every: 1, on: .main, in: .common).autoconnect()

    // Spelled out: private @State makes the synthesized initialiser private.
    init(session: WatchSession) {
        self.session = session
    }

    var body: some View {
        List {
            if session.codes.isEmpty {
                Text(session.phoneReachable ? "No codes yet." : "Open Countersign on your iPhone to see codes here.")
                    .font(.footnote)
                    .foregroundColor(.secondary)
            }
            ForEach(session.codes) { code in
                VStack(alignment: .leading, spacing: 2) {
                    Text(code.issuer.isEmpty ? code.name : "\(code.issuer) · \(code.name)")
                        .font(.footnote)
                        .lineLimit(1)
                    if code.secondsLeft(at: now) > 0 {
                        Text(code.code)
                            .font(.system(.title3, design: .monospaced))
                        Text("\(code.secondsLeft(at: now)) s")
                            .font(.footnote)
                            .foregroundColor(.secondary)
                    } else {
                        Text("Waiting for iPhone…")
                            .font(.footnote)
                            .foregroundColor(.secondary)
                    }
                }
            }
        }
        .navigationTitle("Codes")
        .onAppear { session.refreshCodes() }
        .onReceive(ticker) { tick in
            now = tick
            if session.codes.contains(where: { $0.secondsLeft(at: tick) == 0 }) {
                session.refreshCodes()
            }
        }
    }
}
