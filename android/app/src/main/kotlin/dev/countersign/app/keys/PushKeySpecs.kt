package dev.countersign.app.keys

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.security.spec.ECGenParameterSpec

/**
 * The Keystore settings of the two push keys, exactly as ADR 0014's table says.
 * Kept apart from key generation so the table can be checked on every Android
 * version the app runs on.
 */
object PushKeySpecs {
    /** User keys need a per-use key that a PIN can also unlock: Android 11. */
    const val USER_KEY_MIN_SDK = 30

    /**
     * The device key: signs polls, token updates, denials and approvals that
     * need no user. No user authentication (a push must be answerable when
     * the policy allows it from the lock screen).
     */
    fun deviceKey(alias: String, strongBox: Boolean): KeyGenParameterSpec =
        base(alias, strongBox).build()

    /**
     * The user key: signs an approval only after the user passed a strong
     * biometric or the screen lock for that one signature (timeout 0, used
     * through a CryptoObject), attested with [challenge]. Null before Android
     * 11, where a key a PIN can unlock must be time-bound (ADR 0014: then the
     * gate's claim is all there is).
     */
    fun userKey(alias: String, challenge: ByteArray, strongBox: Boolean): KeyGenParameterSpec? {
        if (Build.VERSION.SDK_INT < USER_KEY_MIN_SDK) return null
        return base(alias, strongBox)
            .setUserAuthenticationRequired(true)
            .setUserAuthenticationParameters(
                0,
                KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
            )
            // With the screen lock allowed Android keeps the key across a new
            // fingerprint anyway; said explicitly so no default can change it.
            .setInvalidatedByBiometricEnrollment(false)
            .setAttestationChallenge(challenge)
            .build()
    }

    private fun base(alias: String, strongBox: Boolean): KeyGenParameterSpec.Builder {
        val builder =
            KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
                .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
                .setDigests(KeyProperties.DIGEST_SHA256)
        if (strongBox && Build.VERSION.SDK_INT >= 28) builder.setIsStrongBoxBacked(true)
        return builder
    }
}
