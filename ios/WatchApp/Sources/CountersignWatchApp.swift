import SwiftUI

/// Countersign on the wrist: pending sign-in requests, answered through the
/// iPhone, and the codes the iPhone shares. No keys, no vault, no Rust here.
@main
struct CountersignWatchApp: App {
    @StateObject private var session = WatchSession()

    var body: some Scene {
        WindowGroup {
            NavigationView {
                WatchHomeView(session: session)
            }
        }
    }
}
