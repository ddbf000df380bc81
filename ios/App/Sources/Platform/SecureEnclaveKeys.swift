import CountersignFFI
import Foundation
import LocalAuthentication
import Security

/// The core's `HardwareKeyStore`: P-256 push keys in the Secure Enclave. The
/// private keys never leave it; the core gets public points and signatures.
///
/// Two keys per enrollment (ADR 0014):
/// - the device key signs polls, token updates, denials and approvals that
///   need no user; it signs without a prompt, also while the phone is locked
///   (a Deny from the lock screen, an answer from the Watch);
/// - the user key signs approvals that need the user; the Secure Enclave uses
///   it only after Face ID / Touch ID (or, without biometrics, the passcode)
///   passed for that very signature.
///
/// The simulator has no Secure Enclave: there the keys are ordinary Keychain
/// keys with the same access control, so the flows can be tried, proving nothing.
final class SecureEnclaveKeys: HardwareKeyStore {
    private let accessGroup: String?
    /// What each user key was made with, and its public point: kept apart from
    /// the key so a key iOS has deleted can be told from one that never existed.
    private let userKeyRecords: GenericPasswordItems

    init(accessGroup: String?) {
        self.accessGroup = accessGroup
        userKeyRecords = GenericPasswordItems(service: "dev.countersign.user-keys", accessGroup: accessGroup)
    }

    // MARK: Device keys

    func createKey(alias: String) throws -> PublicKeyPoint {
        let access = try accessControl(kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly, [.privateKeyUsage])
        let key = try generate(alias: alias, access: access)
        return try Self.point(of: key)
    }

    func publicKey(alias: String) throws -> PublicKeyPoint {
        switch try lookUp(alias, context: Self.silentContext()) {
        case let .found(key):
            return try Self.point(of: key)
        case .needsUser, .missing:
            // A user key is not touched just to read its public half; one iOS
            // deleted still has a point, so the core goes on to `signAsUser`,
            // which reports it invalidated rather than failing obscurely.
            if let record = try userKeyRecord(alias) {
                return try Self.point(fromX963: record.publicKey)
            }
            throw FfiError.HardwareKey(reason: "This phone has no push key \(alias).")
        }
    }

    func sign(alias: String, message: Data) throws -> Data {
        guard case let .found(key) = try lookUp(alias, context: Self.silentContext()) else {
            throw FfiError.HardwareKey(reason: "This phone has no push key \(alias) it can use without you.")
        }
        switch Self.signature(key, message) {
        case let .success(signature):
            return signature
        case let .failure(failure):
            throw FfiError.HardwareKey(reason: failure.description)
        }
    }

    // MARK: User keys

    /// A key the Secure Enclave uses only after the user passed Face ID /
    /// Touch ID as enrolled now (`.biometryCurrentSet`) or the passcode, for
    /// that one signature: the same rule as Android's user key (a Class 3
    /// biometric or the screen lock, per use; ADR 0014), so "biometric
    /// required" means the same on both. No passcode, no user key: the
    /// enrollment goes on with the app's claim.
    ///
    /// The attestation chain is empty, always: iOS has no way to prove a
    /// Secure Enclave key's access control to a server (App Attest vouches for
    /// the app, not for how a key is guarded), so `attestationChallenge` has
    /// nothing to go into. The server therefore records an iPhone's user
    /// verification as claimed, never as proven by attestation.
    func createUserKey(alias: String, attestationChallenge: Data) throws -> AttestedPublicKey? {
        guard let guarding = UserKeyGuard.available() else {
            return nil
        }
        // Removing the passcode deletes a WhenPasscodeSet key: the account then
        // says "enroll again" instead of signing with a key nobody guards.
        let access = try accessControl(kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly, guarding.flags)
        let key = try generate(alias: alias, access: access)
        let point = try Self.point(of: key)
        let record = UserKeyRecord(guarding: guarding, publicKey: try Self.x963(of: key))
        do {
            try userKeyRecords.write(alias, try JSONEncoder().encode(record))
        } catch {
            deleteKey(alias)
            throw FfiError.HardwareKey(reason: "The user key could not be recorded: \(error)")
        }
        return AttestedPublicKey(point: point, attestationChain: [])
    }

    func signAsUser(alias: String, message: Data, reason: String) async throws -> UserSignature {
        guard let record = try userKeyRecord(alias) else {
            throw FfiError.HardwareKey(reason: "This phone has no user key \(alias).")
        }
        // Checked before the prompt: asking for Face ID only to then say the
        // key is gone would waste the user's time.
        if case .missing = try lookUp(alias, context: Self.silentContext()) {
            return .keyInvalidated
        }
        let context = LAContext()
        let access = try accessControl(kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly, record.guarding.flags)
        let outcome = await Self.evaluate(access, in: context, reason: LocalAuthenticationOutcome.spoken(reason))
        guard outcome == .passed else {
            return .refused(outcome: outcome)
        }
        // The evaluated context unlocks the key for this signature, without a second prompt.
        guard case let .found(key) = try lookUp(alias, context: context) else {
            return .keyInvalidated
        }
        switch Self.signature(key, message) {
        case let .success(signature):
            return .signed(signature: signature)
        case let .failure(failure):
            if failure.keyIsGone {
                return .keyInvalidated
            }
            if let outcome = failure.promptOutcome {
                return .refused(outcome: outcome)
            }
            throw FfiError.HardwareKey(reason: failure.description)
        }
    }

    // MARK: Keychain

    private enum LookUp {
        case found(SecKey)
        /// There, but using it would need the user (a user key, looked up silently).
        case needsUser
        case missing
    }

    private func tag(_ alias: String) -> Data {
        Data("dev.countersign.push.\(alias)".utf8)
    }

    private func keyQuery(_ alias: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrKeyClass as String: kSecAttrKeyClassPrivate,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrApplicationTag as String: tag(alias),
        ]
        if let group = accessGroup {
            query[kSecAttrAccessGroup as String] = group
        }
        return query
    }

    private func lookUp(_ alias: String, context: LAContext) throws -> LookUp {
        var query = keyQuery(alias)
        query[kSecReturnRef as String] = true
        query[kSecUseAuthenticationContext as String] = context
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let item = item, CFGetTypeID(item) == SecKeyGetTypeID() else {
                throw FfiError.HardwareKey(reason: "The Keychain returned something other than a key for \(alias).")
            }
            return .found(item as! SecKey)
        case errSecItemNotFound:
            return .missing
        case errSecInteractionNotAllowed, errSecAuthFailed:
            return .needsUser
        default:
            throw FfiError.HardwareKey(reason: KeychainFailure(operation: "find", account: alias, status: status).description)
        }
    }

    /// Finds without ever showing UI.
    private static func silentContext() -> LAContext {
        let context = LAContext()
        context.interactionNotAllowed = true
        return context
    }

    private func generate(alias: String, access: SecAccessControl) throws -> SecKey {
        // Aliases are random and new, so a key already there is a leftover of
        // an enrollment that failed half-way; it must not shadow the new one.
        deleteKey(alias)
        var privateAttributes: [String: Any] = [
            kSecAttrIsPermanent as String: true,
            kSecAttrApplicationTag as String: tag(alias),
            kSecAttrAccessControl as String: access,
        ]
        if let group = accessGroup {
            privateAttributes[kSecAttrAccessGroup as String] = group
        }
        var attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecPrivateKeyAttrs as String: privateAttributes,
        ]
        #if !targetEnvironment(simulator)
        attributes[kSecAttrTokenID as String] = kSecAttrTokenIDSecureEnclave
        #endif
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            let cause = error?.takeRetainedValue().localizedDescription ?? "no reason given"
            throw FfiError.HardwareKey(reason: "The Secure Enclave could not make a key: \(cause)")
        }
        return key
    }

    private func deleteKey(_ alias: String) {
        SecItemDelete(keyQuery(alias) as CFDictionary)
    }

    private func accessControl(_ protection: CFString, _ flags: SecAccessControlCreateFlags) throws -> SecAccessControl {
        var flags = flags
        #if targetEnvironment(simulator)
        // Only a Secure Enclave key takes `.privateKeyUsage`.
        flags.remove(.privateKeyUsage)
        #endif
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(nil, protection, flags, &error) else {
            let cause = error?.takeRetainedValue().localizedDescription ?? "no reason given"
            throw FfiError.HardwareKey(reason: "The key's access control could not be made: \(cause)")
        }
        return access
    }

    private func userKeyRecord(_ alias: String) throws -> UserKeyRecord? {
        let data: Data?
        do {
            data = try userKeyRecords.read(alias)
        } catch {
            throw FfiError.HardwareKey(reason: String(describing: error))
        }
        guard let record = data else {
            return nil
        }
        do {
            return try JSONDecoder().decode(UserKeyRecord.self, from: record)
        } catch {
            throw FfiError.HardwareKey(reason: "The record of user key \(alias) is unreadable.")
        }
    }

    // MARK: Keys and signatures

    private static func evaluate(_ access: SecAccessControl, in context: LAContext,
                                 reason: String) async -> BiometricOutcome {
        await withCheckedContinuation { continuation in
            context.evaluateAccessControl(access, operation: .useKeySign, localizedReason: reason) { passed, error in
                continuation.resume(returning: passed ? .passed : LocalAuthenticationOutcome.of(error))
            }
        }
    }

    private static func signature(_ key: SecKey, _ message: Data) -> Result<Data, SigningFailure> {
        let algorithm = SecKeyAlgorithm.ecdsaSignatureMessageX962SHA256
        guard SecKeyIsAlgorithmSupported(key, .sign, algorithm) else {
            return .failure(SigningFailure(error: nil, detail: "the key cannot make ES256 signatures"))
        }
        var error: Unmanaged<CFError>?
        guard let der = SecKeyCreateSignature(key, algorithm, message as CFData, &error) as Data? else {
            return .failure(SigningFailure(error: error?.takeRetainedValue(), detail: "the key did not sign"))
        }
        do {
            return .success(try EcdsaSignature.raw(fromDER: der))
        } catch {
            return .failure(SigningFailure(error: nil, detail: "the key's signature is unreadable: \(error)"))
        }
    }

    private static func x963(of privateKey: SecKey) throws -> Data {
        guard let publicKey = SecKeyCopyPublicKey(privateKey) else {
            throw FfiError.HardwareKey(reason: "The push key has no public half.")
        }
        var error: Unmanaged<CFError>?
        guard let bytes = SecKeyCopyExternalRepresentation(publicKey, &error) as Data? else {
            let cause = error?.takeRetainedValue().localizedDescription ?? "no reason given"
            throw FfiError.HardwareKey(reason: "The push key's public half could not be read: \(cause)")
        }
        return bytes
    }

    private static func point(of privateKey: SecKey) throws -> PublicKeyPoint {
        try point(fromX963: try x963(of: privateKey))
    }

    /// ANSI X9.63 uncompressed: 0x04, then x and y, 32 bytes each.
    private static func point(fromX963 data: Data) throws -> PublicKeyPoint {
        let bytes = Array(data)
        let width = EcdsaSignature.coordinateBytes
        guard bytes.count == 1 + 2 * width, bytes[0] == 0x04 else {
            throw FfiError.HardwareKey(reason: "The push key is not an uncompressed P-256 point.")
        }
        return PublicKeyPoint(x: Data(bytes[1...width]), y: Data(bytes[(width + 1)...]))
    }
}

/// How a user key is guarded, fixed when it is made.
enum UserKeyGuard: String, Codable {
    /// Face ID / Touch ID as enrolled when the key was made, or the passcode.
    case biometry
    /// Any biometry or the passcode (no biometric was enrolled when it was made).
    case presence

    var flags: SecAccessControlCreateFlags {
        switch self {
        case .biometry: return [.privateKeyUsage, .biometryCurrentSet, .or, .devicePasscode]
        case .presence: return [.privateKeyUsage, .userPresence]
        }
    }

    /// What this phone can guard a key with now; nil without a passcode.
    static func available() -> UserKeyGuard? {
        let context = LAContext()
        var error: NSError?
        guard context.canEvaluatePolicy(.deviceOwnerAuthentication, error: &error) else {
            return nil
        }
        if context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: &error) {
            return .biometry
        }
        // Locked out after failed attempts is still enrolled.
        return (error as? LAError)?.code == .biometryLockout ? .biometry : .presence
    }
}

private struct UserKeyRecord: Codable {
    let guarding: UserKeyGuard
    /// X9.63 uncompressed.
    let publicKey: Data
}

/// Why SecKeyCreateSignature refused, kept apart from the wording so a
/// deleted key or a refused prompt is answered as such.
private struct SigningFailure: Error, CustomStringConvertible {
    let error: CFError?
    let detail: String

    private var domain: String? { error.map { CFErrorGetDomain($0) as String } }
    private var code: Int? { error.map { CFErrorGetCode($0) } }

    var keyIsGone: Bool {
        domain == NSOSStatusErrorDomain && code == Int(errSecItemNotFound)
    }

    /// A prompt-related refusal at signing time, as the core's outcome.
    var promptOutcome: BiometricOutcome? {
        guard let domain = domain, let code = code else {
            return nil
        }
        if domain == LAErrorDomain {
            return LocalAuthenticationOutcome.of(NSError(domain: domain, code: code))
        }
        if domain == NSOSStatusErrorDomain {
            switch OSStatus(code) {
            case errSecUserCanceled: return .cancelled
            case errSecAuthFailed: return .failed
            default: return nil
            }
        }
        return nil
    }

    var description: String {
        guard let error = error else {
            return "The push key could not sign: \(detail)."
        }
        return "The push key could not sign: \(detail) (\(error.localizedDescription))."
    }
}
