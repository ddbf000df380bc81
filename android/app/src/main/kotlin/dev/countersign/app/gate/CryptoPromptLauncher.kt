package dev.countersign.app.gate

import android.app.Activity
import android.hardware.biometrics.BiometricManager
import android.hardware.biometrics.BiometricPrompt
import android.os.Build
import android.os.CancellationSignal
import dev.countersign.app.Text
import dev.countersign.app.keys.UserKeyPrompt
import dev.countersign.ffi.BiometricOutcome
import java.security.Signature

/**
 * The prompt that unlocks one user-key signature (Android 11+: a strong
 * biometric or the screen lock, bound to the signature by a CryptoObject).
 */
class CryptoPromptLauncher(private val activity: Activity, private val signature: Signature) : PromptLauncher {
    override fun launch(reason: String, cancel: CancellationSignal, done: (BiometricOutcome) -> Unit) {
        if (activity.isFinishing || activity.isDestroyed) return done(BiometricOutcome.CANCELLED)
        if (Build.VERSION.SDK_INT < 30) return done(BiometricOutcome.UNAVAILABLE)
        val callback =
            object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) =
                    done(BiometricOutcome.PASSED)

                override fun onAuthenticationError(errorCode: Int, errString: CharSequence) =
                    done(GateOutcomes.fromError(errorCode))
            }
        prompt(reason).authenticate(BiometricPrompt.CryptoObject(signature), cancel, activity.mainExecutor, callback)
    }

    internal fun prompt(reason: String): BiometricPrompt =
        BiometricPrompt.Builder(activity)
            .setTitle(Text.GATE_TITLE)
            .setDescription(reason)
            .setAllowedAuthenticators(
                BiometricManager.Authenticators.BIOMETRIC_STRONG or BiometricManager.Authenticators.DEVICE_CREDENTIAL,
            )
            .build()

    companion object {
        /** The [UserKeyPrompt] over whichever screen is in front ([foreground]); none: unavailable. */
        fun userKeyPrompt(foreground: () -> Activity?): UserKeyPrompt =
            UserKeyPrompt { signature, reason ->
                val activity = foreground() ?: return@UserKeyPrompt BiometricOutcome.UNAVAILABLE
                BiometricGateAdapter(CryptoPromptLauncher(activity, signature)).confirm(reason)
            }
    }
}
