package dev.countersign.app.gate

import android.app.Activity
import android.hardware.biometrics.BiometricPrompt
import dev.countersign.ffi.BiometricOutcome

/**
 * How the platform's answers become the core's [BiometricOutcome]. Anything
 * but [BiometricOutcome.PASSED] refuses the approval; the difference only
 * changes what the screen says (cancelled: nothing; failed: locked out;
 * unavailable: set up a screen lock).
 */
object GateOutcomes {
    fun fromError(code: Int): BiometricOutcome =
        when (code) {
            BiometricPrompt.BIOMETRIC_ERROR_CANCELED,
            BiometricPrompt.BIOMETRIC_ERROR_USER_CANCELED,
            BiometricPrompt.BIOMETRIC_ERROR_TIMEOUT,
            BiometricPrompt.BIOMETRIC_ERROR_NEGATIVE_BUTTON,
            -> BiometricOutcome.CANCELLED
            BiometricPrompt.BIOMETRIC_ERROR_HW_UNAVAILABLE,
            BiometricPrompt.BIOMETRIC_ERROR_HW_NOT_PRESENT,
            BiometricPrompt.BIOMETRIC_ERROR_NO_BIOMETRICS,
            BiometricPrompt.BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL,
            BiometricPrompt.BIOMETRIC_ERROR_SECURITY_UPDATE_REQUIRED,
            BiometricPrompt.BIOMETRIC_ERROR_NO_SPACE,
            -> BiometricOutcome.UNAVAILABLE
            // Lockout (too many attempts), vendor errors, unable to process, and
            // codes added after this was written: a failure, never a pass.
            else -> BiometricOutcome.FAILED
        }

    /**
     * Errors that mean this phone has no usable biometric at all (as opposed to
     * one that did not match): on Android 9 the screen lock takes over.
     */
    fun noBiometricOnThisPhone(code: Int): Boolean =
        code == BiometricPrompt.BIOMETRIC_ERROR_NO_BIOMETRICS ||
            code == BiometricPrompt.BIOMETRIC_ERROR_HW_NOT_PRESENT ||
            code == BiometricPrompt.BIOMETRIC_ERROR_HW_UNAVAILABLE

    /** KeyguardManager's confirm-device-credential screen (Android 8.x). */
    fun fromKeyguardResult(resultCode: Int): BiometricOutcome =
        if (resultCode == Activity.RESULT_OK) BiometricOutcome.PASSED else BiometricOutcome.CANCELLED
}
