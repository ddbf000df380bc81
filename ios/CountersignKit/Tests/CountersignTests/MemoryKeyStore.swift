import CountersignFFI
import Foundation

/// The Keychain as a dictionary: what the app's store does, without a device.
final class MemoryKeyStore: KeyStore, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Data] = [:]

    func load(name: String) throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return values[name]
    }

    func store(name: String, value: Data) throws {
        lock.lock()
        defer { lock.unlock() }
        values[name] = value
    }

    func delete(name: String) throws {
        lock.lock()
        defer { lock.unlock() }
        values[name] = nil
    }
}
