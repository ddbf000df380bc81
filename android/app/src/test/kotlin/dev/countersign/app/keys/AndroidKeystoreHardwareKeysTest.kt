package dev.countersign.app.keys

import android.app.KeyguardManager
import android.content.Context
import android.content.pm.PackageManager
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.StrongBoxUnavailableException
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.UserSignature
import java.math.BigInteger
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.PublicKey
import java.security.Signature
import java.security.cert.Certificate
import java.security.spec.ECGenParameterSpec
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * The production key store above a JVM key backend (no Keystore runs off a
 * phone): what it asks the Keystore for, the encodings the core needs, the
 * StrongBox fallback, and that a user key signs only inside a passed prompt.
 */
@RunWith(RobolectricTestRunner::class)
class AndroidKeystoreHardwareKeysTest {
    private val context: Context = RuntimeEnvironment.getApplication()

    /** Keys made by the JVM's EC provider; records every spec it was given. */
    private class JvmBackend : KeystoreBackend {
        val specs = mutableListOf<KeyGenParameterSpec>()
        val keys = mutableMapOf<String, KeyPair>()
        var strongBoxMissing = false
        val invalidated = mutableSetOf<String>()

        override fun generate(spec: KeyGenParameterSpec): PublicKey {
            specs += spec
            if (strongBoxMissing && spec.isStrongBoxBacked) throw StrongBoxUnavailableException()
            val pair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
            keys[spec.keystoreAlias] = pair
            return pair.public
        }

        override fun publicKey(alias: String): PublicKey = keys.getValue(alias).public

        override fun signer(alias: String): Signature {
            if (alias in invalidated) throw KeyPermanentlyInvalidatedException()
            return Signature.getInstance("SHA256withECDSA").apply { initSign(keys.getValue(alias).private) }
        }

        override fun certificateChain(alias: String): List<Certificate> =
            listOf(FakeCertificate(byteArrayOf(1, 2, 3)), FakeCertificate(byteArrayOf(4, 5)))
    }

    private class FakeCertificate(private val der: ByteArray) : Certificate("X.509") {
        override fun getEncoded(): ByteArray = der

        override fun verify(key: PublicKey?) = Unit

        override fun verify(key: PublicKey?, sigProvider: String?) = Unit

        override fun toString(): String = "test certificate"

        override fun getPublicKey(): PublicKey = throw UnsupportedOperationException()
    }

    private class Prompts(var answer: BiometricOutcome = BiometricOutcome.PASSED) : UserKeyPrompt {
        val reasons = mutableListOf<String>()

        override suspend fun authenticate(signature: Signature, reason: String): BiometricOutcome {
            reasons += reason
            return answer
        }
    }

    private val backend = JvmBackend()
    private val prompts = Prompts()
    private val keys = AndroidKeystoreHardwareKeys(context, prompts, backend)

    private fun screenLock(secure: Boolean) =
        shadowOf(context.getSystemService(KeyguardManager::class.java)).setIsDeviceSecure(secure)

    /** Checks an r || s signature as the server would (back to DER for the JVM). */
    private fun verifies(publicKey: PublicKey, message: ByteArray, raw: ByteArray): Boolean {
        assertEquals(64, raw.size)
        fun integer(half: ByteArray): ByteArray {
            val bytes = BigInteger(1, half).toByteArray()
            return byteArrayOf(0x02, bytes.size.toByte()) + bytes
        }
        val body = integer(raw.copyOfRange(0, 32)) + integer(raw.copyOfRange(32, 64))
        val der = byteArrayOf(0x30, body.size.toByte()) + body
        return Signature.getInstance("SHA256withECDSA").run {
            initVerify(publicKey)
            update(message)
            verify(der)
        }
    }

    @Test
    @Config(sdk = [26, 35])
    fun `a device key gives the core its point and r-s signatures`() {
        val point = keys.createKey("countersign-a")
        assertEquals(32, point.x.size)
        assertEquals(32, point.y.size)
        val again = keys.publicKey("countersign-a")
        assertArrayEquals(point.x, again.x)
        assertArrayEquals(point.y, again.y)
        assertFalse(backend.specs.single().isUserAuthenticationRequired)
        val message = "header.payload".toByteArray()
        repeat(20) {
            // Signatures whose r or s has a leading zero still come out as 32 bytes each.
            assertTrue(verifies(backend.keys.getValue("countersign-a").public, message, keys.sign("countersign-a", message)))
        }
    }

    @Test
    @Config(sdk = [28, 35])
    fun `StrongBox is tried first and the TEE takes over when it refuses`() {
        shadowOf(context.packageManager).setSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE, true)
        backend.strongBoxMissing = true
        keys.createKey("countersign-b")
        assertEquals(listOf(true, false), backend.specs.map { it.isStrongBoxBacked })
    }

    @Test
    @Config(sdk = [26, 28])
    fun `before Android 11 no user key is made, so the gate stays`() {
        screenLock(true)
        assertNull(keys.createUserKey("countersign-c-user", ByteArray(32)))
        assertTrue(backend.specs.isEmpty())
    }

    @Test
    @Config(sdk = [30, 35])
    fun `without a screen lock no user key is made`() {
        screenLock(false)
        assertNull(keys.createUserKey("countersign-c-user", ByteArray(32)))
    }

    @Test
    @Config(sdk = [30, 33, 35])
    fun `a user key comes with its attestation chain and signs only after its prompt passed`() {
        screenLock(true)
        val challenge = ByteArray(32) { 7 }
        val created = keys.createUserKey("countersign-d-user", challenge)!!
        assertEquals(listOf(listOf<Byte>(1, 2, 3), listOf<Byte>(4, 5)), created.attestationChain.map { it.toList() })
        val spec = backend.specs.single()
        assertTrue(spec.isUserAuthenticationRequired)
        assertArrayEquals(challenge, spec.attestationChallenge)

        val message = "answer".toByteArray()
        val signed = runBlocking { keys.signAsUser("countersign-d-user", message, "Approve sign-in to Salesforce") }
        assertTrue(signed is UserSignature.Signed)
        assertTrue(verifies(backend.keys.getValue("countersign-d-user").public, message, (signed as UserSignature.Signed).signature))
        assertEquals(listOf("Approve sign-in to Salesforce"), prompts.reasons)

        prompts.answer = BiometricOutcome.CANCELLED
        val refused = runBlocking { keys.signAsUser("countersign-d-user", message, "again") }
        assertEquals(UserSignature.Refused(BiometricOutcome.CANCELLED), refused)
    }

    @Test
    @Config(sdk = [30])
    fun `an invalidated user key says so without asking the user`() {
        screenLock(true)
        keys.createUserKey("countersign-e-user", ByteArray(32))
        backend.invalidated += "countersign-e-user"
        val result = runBlocking { keys.signAsUser("countersign-e-user", byteArrayOf(1), "reason") }
        assertEquals(UserSignature.KeyInvalidated, result)
        assertTrue(prompts.reasons.isEmpty())
    }

    @Test
    fun `the DER decoder refuses what is not a signature`() {
        for (bad in listOf(byteArrayOf(), byteArrayOf(0x30, 0x00), byteArrayOf(0x31, 0x02, 0x02, 0x00))) {
            try {
                EcdsaEncoding.derToRaw(bad)
                throw AssertionError("accepted ${bad.toList()}")
            } catch (_: java.security.GeneralSecurityException) {
                // refused, as it should be
            }
        }
    }
}
