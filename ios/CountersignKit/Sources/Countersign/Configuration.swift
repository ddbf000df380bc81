import CountersignFFI
import Foundation

extension CountersignClient {
    /// Where the vault lives and who keeps its keys.
    public struct Configuration {
        public var vaultPath: String
        /// The app's Keychain store: the vault key.
        public var keyStore: KeyStore
        /// The app's Secure Enclave store: push keys; nil signs in software.
        public var hardwareKeys: HardwareKeyStore?

        public init(vaultPath: String, keyStore: KeyStore, hardwareKeys: HardwareKeyStore?) {
            self.vaultPath = vaultPath
            self.keyStore = keyStore
            self.hardwareKeys = hardwareKeys
        }

        /// `vault.sqlite` in the App Group container; nil when the group is not entitled.
        ///
        /// The app and its Notification Service Extension are separate processes
        /// with separate sandboxes: the shared container is the one place both
        /// can open the same vault (SQLite's file locks let both use it).
        public static func appGroup(_ identifier: String, keyStore: KeyStore,
                                    hardwareKeys: HardwareKeyStore?) -> Configuration? {
            guard let container = FileManager.default.containerURL(
                forSecurityApplicationGroupIdentifier: identifier
            ) else {
                return nil
            }
            let vault = container.appendingPathComponent("vault.sqlite", isDirectory: false)
            return Configuration(vaultPath: vault.path, keyStore: keyStore, hardwareKeys: hardwareKeys)
        }
    }
}
