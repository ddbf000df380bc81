package dev.countersign.app.keys

import dev.countersign.ffi.BiometricOutcome
import java.security.Signature

/**
 * Asks the user to unlock one signature: the platform prompt bound to
 * [signature] (a CryptoObject), which the Keystore lets sign only after it
 * passed.
 */
fun interface UserKeyPrompt {
    suspend fun authenticate(signature: Signature, reason: String): BiometricOutcome
}
