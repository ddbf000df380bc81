package dev.countersign.app.keys

import android.content.Context
import android.content.SharedPreferences
import dev.countersign.ffi.FfiException
import dev.countersign.ffi.KeyStore
import java.security.GeneralSecurityException
import java.util.Base64

/**
 * The core's [KeyStore] on Android: each value (the vault key) is sealed by
 * [cipher] (a Keystore AES-GCM key) and the sealed blob kept in a private
 * preferences file that is excluded from backup and device transfer (see the
 * manifest), since it is useless without this device's Keystore.
 *
 * Writes use commit(): the core stores a new vault's key before it writes the
 * vault, so the blob must be on disk when store() returns.
 */
class AndroidKeystoreSecretStore(
    private val prefs: SharedPreferences,
    private val cipher: BlobCipher = AndroidKeystoreCipher(),
) : KeyStore {
    override fun load(name: String): ByteArray? {
        val encoded = prefs.getString(PREFIX + name, null) ?: return null
        return try {
            cipher.open(Base64.getDecoder().decode(encoded), associated(name))
        } catch (error: GeneralSecurityException) {
            throw FfiException.KeyStore("the Keystore could not unseal $name: ${error.message}")
        } catch (error: IllegalArgumentException) {
            throw FfiException.KeyStore("the sealed $name is damaged")
        }
    }

    override fun store(name: String, value: ByteArray) {
        val sealed =
            try {
                cipher.seal(value, associated(name))
            } catch (error: GeneralSecurityException) {
                throw FfiException.KeyStore("the Keystore could not seal $name: ${error.message}")
            }
        val encoded = Base64.getEncoder().encodeToString(sealed)
        if (!prefs.edit().putString(PREFIX + name, encoded).commit()) {
            throw FfiException.KeyStore("could not save $name")
        }
    }

    override fun delete(name: String) {
        if (!prefs.edit().remove(PREFIX + name).commit()) {
            throw FfiException.KeyStore("could not delete $name")
        }
    }

    private fun associated(name: String): ByteArray = "countersign/android-keystore/v1/$name".toByteArray()

    companion object {
        const val PREFS = "countersign.keys"
        private const val PREFIX = "sealed."

        fun create(context: Context): AndroidKeystoreSecretStore =
            AndroidKeystoreSecretStore(context.getSharedPreferences(PREFS, Context.MODE_PRIVATE))
    }
}
