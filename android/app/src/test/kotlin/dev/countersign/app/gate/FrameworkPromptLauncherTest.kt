package dev.countersign.app.gate

import android.app.Activity
import android.app.KeyguardManager
import android.os.CancellationSignal
import android.hardware.biometrics.BiometricManager
import android.os.Looper
import dev.countersign.app.Text
import dev.countersign.ffi.BiometricOutcome
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.util.ReflectionHelpers

/** Which prompt each Android version gets, run on each version's framework. */
@RunWith(RobolectricTestRunner::class)
class FrameworkPromptLauncherTest {
    private val activity = Robolectric.buildActivity(Activity::class.java).setup().get()

    private fun screenLock(secure: Boolean) {
        shadowOf(activity.getSystemService(KeyguardManager::class.java)).setIsKeyguardSecure(secure)
    }

    private fun launch(): MutableList<BiometricOutcome> {
        val outcomes = mutableListOf<BiometricOutcome>()
        FrameworkPromptLauncher(activity).launch("Approve sign-in to Salesforce", CancellationSignal()) { outcomes += it }
        shadowOf(Looper.getMainLooper()).idle()
        return outcomes
    }

    @Test
    @Config(sdk = [26])
    fun `Android 8 asks for the screen lock`() {
        screenLock(true)
        assertEquals(emptyList<BiometricOutcome>(), launch())
        val started = shadowOf(activity).nextStartedActivity
        assertEquals(ConfirmCredentialActivity::class.java.name, started.component!!.className)
        assertEquals("Approve sign-in to Salesforce", started.getStringExtra("reason"))
    }

    @Test
    @Config(sdk = [26])
    fun `Android 8 without a screen lock cannot confirm`() {
        screenLock(false)
        assertEquals(listOf(BiometricOutcome.UNAVAILABLE), launch())
        assertNull(shadowOf(activity).nextStartedActivity)
    }

    @Test
    @Config(sdk = [28])
    fun `Android 9 without a fingerprint falls back to the screen lock`() {
        screenLock(true)
        assertEquals(emptyList<BiometricOutcome>(), launch())
        val started = shadowOf(activity).nextStartedActivity
        assertEquals(ConfirmCredentialActivity::class.java.name, started?.component?.className)
    }

    @Test
    @Config(sdk = [28])
    fun `Android 9's second button is the screen lock, not a dead end`() {
        screenLock(true)
        val outcomes = mutableListOf<BiometricOutcome>()
        val prompt = FrameworkPromptLauncher(activity).prompt("Approve sign-in to Salesforce") { outcomes += it }
        // Android 9 has no getters yet: read the prompt's own bundle.
        val bundle = ReflectionHelpers.getField<android.os.Bundle>(prompt, "mBundle")
        assertEquals(Text.USE_SCREEN_LOCK, bundle.getCharSequence("negative_text"))
        assertEquals("Approve sign-in to Salesforce", bundle.getCharSequence("description"))
    }

    @Test
    @Config(sdk = [30, 33, 35])
    fun `Android 11 and later offer a strong biometric or the screen lock in one prompt`() {
        val prompt = FrameworkPromptLauncher(activity).prompt("Approve sign-in to Salesforce") {}
        assertEquals(
            BiometricManager.Authenticators.BIOMETRIC_STRONG or BiometricManager.Authenticators.DEVICE_CREDENTIAL,
            prompt.allowedAuthenticators,
        )
        assertEquals(Text.GATE_TITLE, prompt.title)
        assertNull(prompt.negativeButtonText)
    }

    @Test
    @Config(sdk = [26, 28, 30, 33, 35])
    fun `a finishing screen shows no prompt`() {
        activity.finish()
        assertEquals(listOf(BiometricOutcome.CANCELLED), launch())
        assertNull(shadowOf(activity).nextStartedActivity)
    }
}
