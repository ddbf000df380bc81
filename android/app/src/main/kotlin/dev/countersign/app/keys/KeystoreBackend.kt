package dev.countersign.app.keys

import android.security.keystore.KeyGenParameterSpec
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.PublicKey
import java.security.Signature
import java.security.cert.Certificate

/**
 * Where push keys live: the Android Keystore on a phone. A seam so the key
 * handling above it (StrongBox fallback, encodings, the prompt-bound
 * signature, invalidation) runs in JVM tests, where no Keystore exists.
 */
interface KeystoreBackend {
    fun generate(spec: KeyGenParameterSpec): PublicKey

    fun publicKey(alias: String): PublicKey

    /** A signature ready to use the key; throws KeyPermanentlyInvalidatedException for a dead user key. */
    fun signer(alias: String): Signature

    /** The attestation chain of [alias], leaf first. */
    fun certificateChain(alias: String): List<Certificate>
}

class AndroidKeystoreBackend : KeystoreBackend {
    private fun store(): KeyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }

    override fun generate(spec: KeyGenParameterSpec): PublicKey =
        KeyPairGenerator.getInstance("EC", PROVIDER).apply { initialize(spec) }.generateKeyPair().public

    override fun publicKey(alias: String): PublicKey =
        store().getCertificate(alias)?.publicKey ?: throw IllegalStateException("no key $alias in the Keystore")

    override fun signer(alias: String): Signature {
        val key = store().getKey(alias, null) as? PrivateKey ?: throw IllegalStateException("no key $alias in the Keystore")
        return Signature.getInstance(ALGORITHM).apply { initSign(key) }
    }

    override fun certificateChain(alias: String): List<Certificate> =
        store().getCertificateChain(alias)?.toList().orEmpty()

    companion object {
        const val PROVIDER = "AndroidKeyStore"
        const val ALGORITHM = "SHA256withECDSA"
    }
}
