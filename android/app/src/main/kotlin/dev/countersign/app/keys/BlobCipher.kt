package dev.countersign.app.keys

/** Seals small secrets (the vault key) before they touch the disk. */
interface BlobCipher {
    fun seal(plain: ByteArray, associated: ByteArray): ByteArray

    /** Throws [java.security.GeneralSecurityException] when [sealed] was not made here for [associated]. */
    fun open(sealed: ByteArray, associated: ByteArray): ByteArray
}
