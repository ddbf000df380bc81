// What sending diagnostics needs from iOS: the collector URL (a build
// setting), the network the phone is on (NWPathMonitor) and the environment
// (UIDevice, Locale). The core decides whether anything is sent.
import Countersign
import CountersignFFI
import Foundation
import Network
import UIKit

/// Where batches go: the `CountersignDiagnosticsCollector` Info.plist key,
/// which the build expands from `COUNTERSIGN_DIAGNOSTICS_COLLECTOR`
/// (project.yml). Never a push server the user enrolled with.
enum DiagnosticsCollector {
    static let infoKey = "CountersignDiagnosticsCollector"

    /// nil when the key is missing, empty or was not expanded: nothing is sent.
    /// The core refuses anything but https.
    static var url: URL? {
        guard let value = Bundle.main.object(forInfoDictionaryKey: infoKey) as? String,
              !value.isEmpty, !value.contains("$(") else {
            return nil
        }
        return URL(string: value)
    }
}

extension DiagnosticsEnvironment {
    /// This iPhone or iPad as the core's schema describes it (the core keeps a
    /// version number and the locale's language, nothing more).
    @MainActor
    static func current(appVersion: String) -> DiagnosticsEnvironment {
        let device = UIDevice.current
        return .iOS(
            appVersion: appVersion,
            osVersion: device.systemVersion,
            isPad: device.userInterfaceIdiom == .pad,
            localeIdentifier: Locale.current.identifier
        )
    }

    /// "1.4.0": the marketing version alone (the core keeps version numbers only).
    static var marketingVersion: String {
        Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String ?? ""
    }
}

/// The network the phone is on, from one NWPathMonitor that runs as long as
/// the app does.
final class NetworkWatch: @unchecked Sendable {
    // Sendable by hand: `latest` and `waiting` are only touched under `lock`.
    private let monitor = NWPathMonitor()
    private let queue = DispatchQueue(label: "dev.countersign.network")
    private let lock = NSLock()
    private var latest: NetworkKind?
    private var waiting: [CheckedContinuation<NetworkKind, Never>] = []

    init() {
        monitor.pathUpdateHandler = { [weak self] path in
            self?.heard(NetworkWatch.kind(of: path))
        }
        monitor.start(queue: queue)
    }

    deinit {
        monitor.cancel()
    }

    /// Wi-Fi or Ethernet is unmetered; mobile data (`isExpensive`) and any
    /// network in Low Data Mode (`isConstrained`, the user asking iOS to
    /// spare data) are metered; no usable path is none.
    static func kind(of path: NWPath) -> NetworkKind {
        guard path.status == .satisfied else {
            return NetworkKind.none
        }
        return path.isExpensive || path.isConstrained ? NetworkKind.metered : NetworkKind.unmetered
    }

    /// The network now. The monitor reports its first path right after it
    /// starts; a call before that waits for it, at most 2 s (then: none).
    func current() async -> NetworkKind {
        await withCheckedContinuation { (continuation: CheckedContinuation<NetworkKind, Never>) in
            lock.lock()
            if let known = latest {
                lock.unlock()
                continuation.resume(returning: known)
                return
            }
            waiting.append(continuation)
            lock.unlock()
            queue.asyncAfter(deadline: .now() + 2) { [weak self] in
                self?.stopWaiting()
            }
        }
    }

    private func heard(_ kind: NetworkKind) {
        lock.lock()
        latest = kind
        let resumed = waiting
        waiting = []
        lock.unlock()
        for continuation in resumed {
            continuation.resume(returning: kind)
        }
    }

    private func stopWaiting() {
        lock.lock()
        let resumed = waiting
        waiting = []
        lock.unlock()
        for continuation in resumed {
            continuation.resume(returning: NetworkKind.none)
        }
    }
}
