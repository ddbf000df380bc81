import CountersignFFI
import Foundation
import Security

/// The core's `KeyStore`: the vault key as a Keychain generic password.
///
/// The Notification Service Extension opens the same vault, so the item is in
/// the shared access group, and readable after the first unlock since boot:
/// notifications arrive on a locked phone. ThisDeviceOnly and never
/// synchronised: the key must not leave this phone through a backup or iCloud
/// Keychain (a restored vault without its key is refused, which is the point).
final class KeychainKeyStore: KeyStore {
    static let service = "dev.countersign.vault"

    private let items: GenericPasswordItems

    init(accessGroup: String?) {
        items = GenericPasswordItems(service: Self.service, accessGroup: accessGroup)
    }

    func load(name: String) throws -> Data? {
        try asKeyStoreError { try items.read(name) }
    }

    func store(name: String, value: Data) throws {
        try asKeyStoreError { try items.write(name, value) }
    }

    func delete(name: String) throws {
        try asKeyStoreError { try items.remove(name) }
    }

    /// The core takes a callback's failure as the FfiError it expects from it.
    private func asKeyStoreError<T>(_ keychainCall: () throws -> T) throws -> T {
        do {
            return try keychainCall()
        } catch {
            throw FfiError.KeyStore(reason: String(describing: error))
        }
    }
}

/// Generic password items of one service: what both the vault key and the
/// Secure Enclave key records are kept as.
struct GenericPasswordItems {
    let service: String
    let accessGroup: String?

    func read(_ account: String) throws -> Data? {
        var query = baseQuery(account)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data else {
                throw KeychainFailure(operation: "read", account: account, status: errSecDecode)
            }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw KeychainFailure(operation: "read", account: account, status: status)
        }
    }

    func write(_ account: String, _ value: Data) throws {
        let query = baseQuery(account)
        let changes: [String: Any] = [
            kSecValueData as String: value,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let updated = SecItemUpdate(query as CFDictionary, changes as CFDictionary)
        if updated == errSecSuccess {
            return
        }
        guard updated == errSecItemNotFound else {
            throw KeychainFailure(operation: "write", account: account, status: updated)
        }
        let item = query.merging(changes) { _, new in new }
        let added = SecItemAdd(item as CFDictionary, nil)
        guard added == errSecSuccess else {
            throw KeychainFailure(operation: "write", account: account, status: added)
        }
    }

    func remove(_ account: String) throws {
        let status = SecItemDelete(baseQuery(account) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw KeychainFailure(operation: "delete", account: account, status: status)
        }
    }

    private func baseQuery(_ account: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            // Also a search term: an item synchronised by some other build is not ours.
            kSecAttrSynchronizable as String: false,
        ]
        if let group = accessGroup {
            query[kSecAttrAccessGroup as String] = group
        }
        return query
    }
}

/// A Keychain call that failed, worded for the person reading the error.
struct KeychainFailure: Error, CustomStringConvertible {
    let operation: String
    let account: String
    let status: OSStatus

    var description: String {
        switch status {
        case errSecInteractionNotAllowed:
            return "The Keychain is locked until this phone is unlocked once after it restarted."
        case errSecMissingEntitlement:
            return "This build may not use the shared Keychain group (check the app's entitlements)."
        default:
            let text = SecCopyErrorMessageString(status, nil) as String? ?? "error \(status)"
            return "The Keychain could not \(operation) \(account): \(text)"
        }
    }
}
