package dev.countersign.app.keys

import android.security.keystore.KeyProperties
import java.security.GeneralSecurityException
import java.security.SecureRandom
import javax.crypto.spec.SecretKeySpec
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertThrows
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/** The vault key's wrapping, as the app ships it, over a JVM AES key in place of the Keystore's. */
@RunWith(RobolectricTestRunner::class)
class AndroidKeystoreCipherTest {
    private val key = SecretKeySpec(ByteArray(32).also(SecureRandom()::nextBytes), "AES")
    private val cipher = AndroidKeystoreCipher("test", keySource = { key })
    private val vaultKey = ByteArray(32) { it.toByte() }
    private val name = "vault-key".toByteArray()

    @Test
    fun `a sealed key opens again, with a fresh IV each time`() {
        val sealed = cipher.seal(vaultKey, name)
        assertEquals(1.toByte(), sealed[0])
        assertEquals(1 + 12 + 32 + 16, sealed.size)
        assertArrayEquals(vaultKey, cipher.open(sealed, name))
        assertNotEquals(sealed.copyOfRange(1, 13).toList(), cipher.seal(vaultKey, name).copyOfRange(1, 13).toList())
    }

    @Test
    fun `another name, a flipped byte, a cut blob or another format is refused`() {
        val sealed = cipher.seal(vaultKey, name)
        assertThrows(GeneralSecurityException::class.java) { cipher.open(sealed, "other".toByteArray()) }
        for (index in listOf(5, 20, sealed.size - 1)) {
            val flipped = sealed.copyOf().also { it[index] = (it[index].toInt() xor 1).toByte() }
            assertThrows(GeneralSecurityException::class.java) { cipher.open(flipped, name) }
        }
        assertThrows(GeneralSecurityException::class.java) { cipher.open(sealed.copyOf(20), name) }
        val otherVersion = sealed.copyOf().also { it[0] = 2 }
        assertThrows(GeneralSecurityException::class.java) { cipher.open(otherVersion, name) }
    }

    @Test
    @Config(sdk = [26, 35])
    fun `the Keystore key is AES-256-GCM and needs no user, so a push can open the vault while locked`() {
        val spec = AndroidKeystoreCipher.keySpec("countersign.vault-key-wrap")
        assertEquals(256, spec.keySize)
        assertEquals(KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT, spec.purposes)
        assertArrayEquals(arrayOf(KeyProperties.BLOCK_MODE_GCM), spec.blockModes)
        assertFalse(spec.isUserAuthenticationRequired)
    }
}
