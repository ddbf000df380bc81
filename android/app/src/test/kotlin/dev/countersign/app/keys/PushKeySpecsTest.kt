package dev.countersign.app.keys

import android.os.Build
import android.security.keystore.KeyProperties
import java.security.spec.ECGenParameterSpec
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/** ADR 0014's key table, checked on the framework of each Android version. */
@RunWith(RobolectricTestRunner::class)
class PushKeySpecsTest {
    private val challenge = ByteArray(32) { it.toByte() }

    @Test
    @Config(sdk = [26, 28, 30, 33, 35])
    fun `the device key signs with P-256 and SHA-256 and needs no user`() {
        val spec = PushKeySpecs.deviceKey("countersign-abc", strongBox = false)
        assertEquals("countersign-abc", spec.keystoreAlias)
        assertEquals(KeyProperties.PURPOSE_SIGN, spec.purposes)
        assertEquals("secp256r1", (spec.algorithmParameterSpec as ECGenParameterSpec).name)
        assertArrayEquals(arrayOf(KeyProperties.DIGEST_SHA256), spec.digests)
        assertFalse(spec.isUserAuthenticationRequired)
        assertNull(spec.attestationChallenge)
    }

    @Test
    @Config(sdk = [28, 30, 35])
    fun `StrongBox is asked for where the phone has one`() {
        assertTrue(PushKeySpecs.deviceKey("a", strongBox = true).isStrongBoxBacked)
        assertFalse(PushKeySpecs.deviceKey("a", strongBox = false).isStrongBoxBacked)
    }

    @Test
    @Config(sdk = [26, 28])
    fun `before Android 11 there is no user key`() {
        assertNull(PushKeySpecs.userKey("countersign-abc-user", challenge, strongBox = false))
    }

    @Test
    @Config(sdk = [30, 33, 35])
    fun `from Android 11 the user key unlocks one signature at a time, by biometric or screen lock, attested`() {
        val spec = PushKeySpecs.userKey("countersign-abc-user", challenge, strongBox = true)!!
        assertEquals(Build.VERSION.SDK_INT >= 30, true)
        assertEquals(KeyProperties.PURPOSE_SIGN, spec.purposes)
        assertEquals("secp256r1", (spec.algorithmParameterSpec as ECGenParameterSpec).name)
        assertTrue(spec.isUserAuthenticationRequired)
        // Timeout 0: per use, through a CryptoObject.
        assertEquals(0, spec.userAuthenticationValidityDurationSeconds)
        assertEquals(
            KeyProperties.AUTH_BIOMETRIC_STRONG or KeyProperties.AUTH_DEVICE_CREDENTIAL,
            spec.userAuthenticationType,
        )
        assertFalse(spec.isInvalidatedByBiometricEnrollment)
        assertArrayEquals(challenge, spec.attestationChallenge)
        assertTrue(spec.isStrongBoxBacked)
    }
}
