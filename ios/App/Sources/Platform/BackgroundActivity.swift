import Countersign
import UIKit

/// Work that must finish even if the user leaves the app meanwhile: an answer
/// on its way to the server, a token update, a reply to the Watch. iOS gives a
/// background task some seconds; without one the process could be suspended
/// mid-call, holding the vault's SQLite file in the shared container (and be
/// killed for it, 0xdead10cc). When the work ends in the background, the
/// vault is closed again, since it was reopened for the work.
enum BackgroundActivity {
    @MainActor
    @discardableResult
    static func run<T>(_ name: String, closingAfterwards client: CountersignClient,
                       _ work: () async throws -> T) async rethrows -> T {
        let task = BackgroundTask(name: name)
        defer {
            task.end()
            if UIApplication.shared.applicationState == .background {
                client.suspend()
            }
        }
        return try await work()
    }
}

@MainActor
private final class BackgroundTask {
    private var identifier = UIBackgroundTaskIdentifier.invalid

    init(name: String) {
        // Time ran out: end the task, as iOS requires; the call itself goes
        // on until the process is suspended.
        identifier = UIApplication.shared.beginBackgroundTask(withName: name) { [weak self] in
            self?.end()
        }
    }

    func end() {
        guard identifier != .invalid else {
            return
        }
        UIApplication.shared.endBackgroundTask(identifier)
        identifier = .invalid
    }
}
