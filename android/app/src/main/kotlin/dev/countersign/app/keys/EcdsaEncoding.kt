package dev.countersign.app.keys

import dev.countersign.ffi.PublicKeyPoint
import java.math.BigInteger
import java.security.GeneralSecurityException
import java.security.interfaces.ECPublicKey

/** What the core expects of a P-256 key: coordinates and signatures as fixed 32-byte halves. */
object EcdsaEncoding {
    private const val HALF = 32

    fun point(key: ECPublicKey): PublicKeyPoint =
        PublicKeyPoint(fixed(key.w.affineX), fixed(key.w.affineY))

    /** Java's DER `SEQUENCE { INTEGER r, INTEGER s }` as r || s (64 bytes). */
    fun derToRaw(der: ByteArray): ByteArray {
        var at = 0
        fun byte(): Int = if (at < der.size) der[at++].toInt() and 0xff else throw malformed()
        fun length(): Int {
            val first = byte()
            return when {
                first < 0x80 -> first
                first == 0x81 -> byte()
                else -> throw malformed()
            }
        }
        fun integer(): BigInteger {
            if (byte() != 0x02) throw malformed()
            val size = length()
            if (size == 0 || at + size > der.size) throw malformed()
            val value = BigInteger(1, der.copyOfRange(at, at + size))
            at += size
            return value
        }
        if (byte() != 0x30) throw malformed()
        if (length() != der.size - at) throw malformed()
        val r = integer()
        val s = integer()
        if (at != der.size) throw malformed()
        return fixed(r) + fixed(s)
    }

    private fun fixed(value: BigInteger): ByteArray {
        val bytes = value.toByteArray().dropWhile { it == 0.toByte() }.toByteArray()
        if (bytes.size > HALF) throw malformed()
        return ByteArray(HALF - bytes.size) + bytes
    }

    private fun malformed() = GeneralSecurityException("not a P-256 ECDSA signature")
}
