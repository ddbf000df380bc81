package dev.countersign.app.keys

import android.app.KeyguardManager
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.StrongBoxUnavailableException
import dev.countersign.ffi.AttestedPublicKey
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.HardwareKeyStore
import dev.countersign.ffi.PublicKeyPoint
import dev.countersign.ffi.UserSignature
import java.security.PublicKey
import java.security.interfaces.ECPublicKey

/**
 * The core's [HardwareKeyStore] on Android Keystore: push keys in StrongBox
 * when the phone has one, in the TEE otherwise (ADR 0014's table is
 * [PushKeySpecs]). The user key signs only inside [signAsUser], after
 * [prompt] passed for that very signature; the core never sees a private key.
 */
class AndroidKeystoreHardwareKeys(
    private val context: Context,
    private val prompt: UserKeyPrompt,
    private val backend: KeystoreBackend = AndroidKeystoreBackend(),
) : HardwareKeyStore {
    private val hasStrongBox: Boolean
        get() =
            Build.VERSION.SDK_INT >= 28 &&
                context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    override fun createKey(alias: String): PublicKeyPoint = point(generate { strongBox -> PushKeySpecs.deviceKey(alias, strongBox) })

    override fun publicKey(alias: String): PublicKeyPoint = point(backend.publicKey(alias))

    override fun sign(alias: String, message: ByteArray): ByteArray {
        val signature = backend.signer(alias)
        signature.update(message)
        return EcdsaEncoding.derToRaw(signature.sign())
    }

    /**
     * Null where no user key can be made: before Android 11, or without a
     * screen lock (the Keystore refuses a key that needs one). The enrollment
     * then goes ahead with the biometric gate's claim.
     */
    override fun createUserKey(alias: String, attestationChallenge: ByteArray): AttestedPublicKey? {
        if (Build.VERSION.SDK_INT < PushKeySpecs.USER_KEY_MIN_SDK) return null
        val keyguard = context.getSystemService(KeyguardManager::class.java)
        if (keyguard == null || !keyguard.isDeviceSecure) return null
        val key = generate { strongBox -> checkNotNull(PushKeySpecs.userKey(alias, attestationChallenge, strongBox)) }
        return AttestedPublicKey(point(key), backend.certificateChain(alias).map { it.encoded })
    }

    override suspend fun signAsUser(alias: String, message: ByteArray, reason: String): UserSignature {
        val signature =
            try {
                backend.signer(alias)
            } catch (_: KeyPermanentlyInvalidatedException) {
                // The screen lock was removed or changed: the key is gone for good.
                return UserSignature.KeyInvalidated
            }
        val outcome = prompt.authenticate(signature, reason)
        if (outcome != BiometricOutcome.PASSED) return UserSignature.Refused(outcome)
        signature.update(message)
        return UserSignature.Signed(EcdsaEncoding.derToRaw(signature.sign()))
    }

    /** StrongBox first where there is one; some phones list it and still refuse a key. */
    private fun generate(spec: (strongBox: Boolean) -> KeyGenParameterSpec): PublicKey {
        if (hasStrongBox) {
            try {
                return backend.generate(spec(true))
            } catch (_: StrongBoxUnavailableException) {
                // The TEE below.
            }
        }
        return backend.generate(spec(false))
    }

    private fun point(key: PublicKey): PublicKeyPoint =
        EcdsaEncoding.point(key as? ECPublicKey ?: throw IllegalStateException("not an EC key"))
}
