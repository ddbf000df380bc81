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
 * on Android 10+ (biometric only, with a Cancel button, on 9), and the
 * confirm-device-credential screen on Android 8.x.
 */
class FrameworkPromptLauncher(private val activity: Activity) : PromptLauncher {
    override fun launch(reason: String, cancel: CancellationSignal, done: (BiometricOutcome) -> Unit) {
        if (activity.isFinishing || activity.isDestroyed) return done(BiometricOutcome.CANCELLED)
        if (Build.VERSION.SDK_INT >= 28) biometric(reason, cancel, done) else keyguard(reason, done)
    }

    private fun biometric(reason: String, cancel: CancellationSignal, done: (BiometricOutcome) -> Unit) {
        val executor = activity.mainExecutor
        val builder = BiometricPrompt.Builder(activity).setTitle(Text.GATE_TITLE).setDescription(reason)
        when {
            Build.VERSION.SDK_INT >= 30 ->
                builder.setAllowedAuthenticators(
                    BiometricManager.Authenticators.BIOMETRIC_STRONG or
                        BiometricManager.Authenticators.DEVICE_CREDENTIAL,
                )
            Build.VERSION.SDK_INT == 29 -> @Suppress("DEPRECATION") builder.setDeviceCredentialAllowed(true)
            else ->
                builder.setNegativeButton(Text.CANCEL, executor, DialogInterface.OnClickListener { _, _ ->
                    done(BiometricOutcome.CANCELLED)
                })
        }
        val callback =
            object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) =
                    done(BiometricOutcome.PASSED)

                override fun onAuthenticationError(errorCode: Int, errString: CharSequence) =
                    done(GateOutcomes.fromError(errorCode))
                // onAuthenticationFailed (a finger not recognised) is not the end: the prompt stays up.
            }
        builder.build().authenticate(cancel, executor, callback)
    }

    private fun keyguard(reason: String, done: (BiometricOutcome) -> Unit) {
        val keyguard = activity.getSystemService(KeyguardManager::class.java)
        if (keyguard == null || !keyguard.isKeyguardSecure) return done(BiometricOutcome.UNAVAILABLE)
        ConfirmCredentialActivity.start(activity, reason, done)
    }
}
