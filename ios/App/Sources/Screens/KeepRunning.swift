// A screen's call that must not stop halfway when the user leaves the app (an
// answer on its way to the server, an enrollment, an import): it runs inside
// the app's background task, which also closes the vault again afterwards.
import Foundation

enum KeepRunning {
    static func inBackground(_ name: String, _ work: @escaping @MainActor () async -> Void) {
        Task { @MainActor in
            await AppEnvironment.shared.finishingInBackground(name) {
                await work()
            }
        }
    }
}
