import Countersign
import Foundation
import os.log

/// What the app and its Notification Service Extension share: the vault file
/// in the App Group container, and its key and the push keys in one Keychain
/// access group. Both processes build their client from here, so they cannot
/// disagree on where the vault is.
enum SharedStorage {
    static let appGroup = "group.dev.countersign.shared"

    /// Info.plist key whose value the build expands from
    /// `$(AppIdentifierPrefix)dev.countersign.shared` (the team id is only
    /// known at signing time, so the code cannot spell the group itself).
    static let keychainGroupInfoKey = "CountersignKeychainGroup"

    private static let log = OSLog(subsystem: "dev.countersign.app", category: "storage")

    /// The shared Keychain group; nil when the Info.plist key is missing or
    /// was not expanded, and items then go to the process's own default group.
    static var keychainGroup: String? {
        guard let group = Bundle.main.object(forInfoDictionaryKey: keychainGroupInfoKey) as? String,
              !group.isEmpty, !group.contains("$(") else {
            return nil
        }
        return group
    }

    /// The vault in the App Group container, its files protected; nil when
    /// this build is not entitled to the group.
    static func sharedConfiguration() -> CountersignClient.Configuration? {
        let group = keychainGroup
        let configuration = CountersignClient.Configuration.appGroup(
            appGroup,
            keyStore: KeychainKeyStore(accessGroup: group),
            hardwareKeys: SecureEnclaveKeys(accessGroup: group)
        )
        if let configuration = configuration {
            protect(vaultAt: configuration.vaultPath)
        } else {
            os_log("App Group %{public}@ is not entitled", log: log, type: .error, appGroup)
        }
        return configuration
    }

    /// The app's own vault, for a build without the App Group (a misconfigured
    /// signing setup): codes work, the extension cannot verify anything and
    /// shows every push as the neutral notification.
    static func privateConfiguration() -> CountersignClient.Configuration {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: support, withIntermediateDirectories: true)
        let vault = support.appendingPathComponent("vault.sqlite", isDirectory: false)
        protect(vaultAt: vault.path)
        let group = keychainGroup
        return CountersignClient.Configuration(
            vaultPath: vault.path,
            keyStore: KeychainKeyStore(accessGroup: group),
            hardwareKeys: SecureEnclaveKeys(accessGroup: group)
        )
    }

    /// Readable from the first unlock after boot until shutdown, like the
    /// vault key: a push on a locked phone must be verifiable, a phone that was
    /// never unlocked since it started must not give the vault away. Files
    /// SQLite creates later (-wal, -shm) take the directory's class.
    static func protect(vaultAt path: String) {
        let vault = URL(fileURLWithPath: path)
        let files = ["", "-wal", "-shm", "-journal"].map { URL(fileURLWithPath: path + $0) }
        let attributes: [FileAttributeKey: Any] = [
            .protectionKey: FileProtectionType.completeUntilFirstUserAuthentication,
        ]
        for url in [vault.deletingLastPathComponent()] + files {
            guard FileManager.default.fileExists(atPath: url.path) else {
                continue
            }
            do {
                try FileManager.default.setAttributes(attributes, ofItemAtPath: url.path)
            } catch {
                os_log("could not protect %{public}@: %{public}@", log: log, type: .error,
                       url.lastPathComponent, String(describing: error))
            }
        }
        excludeFromBackup(files)
    }

    /// The vault key is ThisDeviceOnly, so a backup of the vault restored to
    /// another phone could never be opened: it would only turn a fresh start
    /// into a "key missing" error. Accounts move by export and import.
    private static func excludeFromBackup(_ files: [URL]) {
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        for var url in files where FileManager.default.fileExists(atPath: url.path) {
            do {
                try url.setResourceValues(values)
            } catch {
                os_log("could not exclude %{public}@ from backups: %{public}@", log: log, type: .error,
                       url.lastPathComponent, String(describing: error))
            }
        }
    }
}
