package dev.countersign.app.gate

import android.app.Activity
import android.hardware.biometrics.BiometricManager
import android.os.CancellationSignal
import dev.countersign.app.Text
import dev.countersign.ffi.BiometricOutcome
import java.security.KeyPairGenerator
import java.security.Signature
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
class CryptoPromptLauncherTest {
    private val activity = Robolectric.buildActivity(Activity::class.java).setup().get()
    private val signature =
        Signature.getInstance("SHA256withECDSA").apply {
            initSign(KeyPairGenerator.getInstance("EC").apply { initialize(256) }.generateKeyPair().private)
        }

    @Test
    @Config(sdk = [30, 35])
    fun `a user-key signature is unlocked by a strong biometric or the screen lock`() {
        val prompt = CryptoPromptLauncher(activity, signature).prompt("Approve sign-in to Salesforce")
        assertEquals(
            BiometricManager.Authenticators.BIOMETRIC_STRONG or BiometricManager.Authenticators.DEVICE_CREDENTIAL,
            prompt.allowedAuthenticators,
        )
        assertEquals(Text.GATE_TITLE, prompt.title)
        assertEquals("Approve sign-in to Salesforce", prompt.description)
    }

    @Test
    @Config(sdk = [28])
    fun `before Android 11 it cannot be shown`() {
        val outcomes = mutableListOf<BiometricOutcome>()
        CryptoPromptLauncher(activity, signature).launch("reason", CancellationSignal()) { outcomes += it }
        assertEquals(listOf(BiometricOutcome.UNAVAILABLE), outcomes)
    }

    @Test
    fun `with no screen in front the user cannot be asked`() {
        val prompt = CryptoPromptLauncher.userKeyPrompt { null }
        assertEquals(BiometricOutcome.UNAVAILABLE, runBlocking { prompt.authenticate(signature, "reason") })
    }
}
