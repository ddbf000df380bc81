package dev.countersign.app.gate

import android.app.Activity
import android.app.KeyguardManager
import android.content.DialogInterface
import android.hardware.biometrics.BiometricManager
import android.hardware.biometrics.BiometricPrompt
import android.os.Build
import android.os.CancellationSignal
import dev.countersign.app.Text
import dev.countersign.ffi.BiometricOutcome

/**
 * The platform prompt: BiometricPrompt with the screen lock as an alternative
 * on Android 10+, and the confirm-device-credential screen on Android 8.x.
 * Android 9's BiometricPrompt cannot offer the screen lock itself, so there its
 * second button says "Use screen lock", and a phone with no fingerprint
 * enrolled (or no sensor) goes straight to the screen lock: an approval that
 * needs the user must never be impossible for someone with only a PIN.
 */
class FrameworkPromptLauncher(private val activity: Activity) : PromptLauncher {
    override fun launch(reason: String, cancel: CancellationSignal, done: (BiometricOutcome) -> Unit) {
        if (activity.isFinishing || activity.isDestroyed) return done(BiometricOutcome.CANCELLED)
        if (Build.VERSION.SDK_INT >= 28) biometric(reason, cancel, done) else keyguard(reason, done)
    }

    private fun biometric(reason: String, cancel: CancellationSignal, done: (BiometricOutcome) -> Unit) {
        val callback =
            object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) =
                    done(BiometricOutcome.PASSED)

                override fun onAuthenticationError(errorCode: Int, errString: CharSequence) {
                    if (Build.VERSION.SDK_INT < 29 && GateOutcomes.noBiometricOnThisPhone(errorCode)) {
                        keyguard(reason, done)
                    } else {
                        done(GateOutcomes.fromError(errorCode))
                    }
                }
                // onAuthenticationFailed (a finger not recognised) is not the end: the prompt stays up.
            }
        prompt(reason, done).authenticate(cancel, activity.mainExecutor, callback)
    }

    /** The prompt as this Android version can offer it (separate so tests can read it back). */
    internal fun prompt(reason: String, done: (BiometricOutcome) -> Unit): BiometricPrompt {
        val builder = BiometricPrompt.Builder(activity).setTitle(Text.GATE_TITLE).setDescription(reason)
        when {
            Build.VERSION.SDK_INT >= 30 ->
                builder.setAllowedAuthenticators(
                    BiometricManager.Authenticators.BIOMETRIC_STRONG or
                        BiometricManager.Authenticators.DEVICE_CREDENTIAL,
                )
            Build.VERSION.SDK_INT == 29 -> @Suppress("DEPRECATION") builder.setDeviceCredentialAllowed(true)
            else ->
                builder.setNegativeButton(Text.USE_SCREEN_LOCK, activity.mainExecutor, DialogInterface.OnClickListener { _, _ ->
                    keyguard(reason, done)
                })
        }
        return builder.build()
    }

    private fun keyguard(reason: String, done: (BiometricOutcome) -> Unit) {
        val keyguard = activity.getSystemService(KeyguardManager::class.java)
        if (keyguard == null || !keyguard.isKeyguardSecure) return done(BiometricOutcome.UNAVAILABLE)
        ConfirmCredentialActivity.start(activity, reason, done)
    }
}
