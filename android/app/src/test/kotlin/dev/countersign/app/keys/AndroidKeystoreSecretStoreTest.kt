package dev.countersign.app.keys

import android.content.Context
import dev.countersign.ffi.FfiException
import java.security.SecureRandom
import javax.crypto.spec.SecretKeySpec
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertThrows
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment

/** The store's logic over the production cipher, a JVM AES key standing in for the Keystore (Robolectric has none). */
@RunWith(RobolectricTestRunner::class)
class AndroidKeystoreSecretStoreTest {
    /** The production cipher over a JVM AES key (Robolectric has no Keystore). */
    private fun SoftwareCipher(): BlobCipher {
        val key = SecretKeySpec(ByteArray(32).also(SecureRandom()::nextBytes), "AES")
        return AndroidKeystoreCipher(keySource = { key })
    }

    private val prefs = RuntimeEnvironment.getApplication().getSharedPreferences("keys-test", Context.MODE_PRIVATE)
    private val store = AndroidKeystoreSecretStore(prefs, SoftwareCipher())
    private val vaultKey = ByteArray(32) { (it * 7).toByte() }

    @Test
    fun `a stored key loads back, sealed on disk, and is gone after delete`() {
        assertNull(store.load("vault"))
        store.store("vault", vaultKey)
        assertArrayEquals(vaultKey, store.load("vault"))
        val onDisk = prefs.all.values.single() as String
        assertFalse(onDisk.contains(java.util.Base64.getEncoder().encodeToString(vaultKey).take(16)))
        store.delete("vault")
        assertNull(store.load("vault"))
    }

    @Test
    fun `a blob copied to another name or tampered with does not open`() {
        store.store("vault", vaultKey)
        val sealed = prefs.getString("sealed.vault", null)!!
        prefs.edit().putString("sealed.other", sealed).commit()
        assertThrows(FfiException.KeyStore::class.java) { store.load("other") }
        prefs.edit().putString("sealed.vault", "not base64!").commit()
        assertThrows(FfiException.KeyStore::class.java) { store.load("vault") }
    }

    @Test
    fun `a blob from another device's key does not open`() {
        store.store("vault", vaultKey)
        val elsewhere = AndroidKeystoreSecretStore(prefs, SoftwareCipher())
        assertThrows(FfiException.KeyStore::class.java) { elsewhere.load("vault") }
    }
}
