package dev.countersign

import dev.countersign.ffi.FfiException
import dev.countersign.ffi.StorageProblem
import dev.countersign.ffi.KeyStore
import dev.countersign.ffi.ScanKind
import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertInstanceOf
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Every failure arrives as a CountersignException subtype with a code, the core's reason and a next step. */
class ErrorsTest {
    private fun testdata(path: String) = File(System.getProperty("countersign.testdata"), path)

    private inline fun <reified E : CountersignException> fails(noinline block: suspend () -> Any?): E {
        val error = assertThrows<CountersignException> { runBlocking { block() } }
        assertInstanceOf(E::class.java, error, "${error::class.simpleName}: ${error.reason}")
        assertTrue(error.reason.isNotBlank() && error.whatToDo.isNotBlank() && error.code.isNotBlank())
        assertInstanceOf(FfiException::class.java, error.cause, "the raw FFI error is kept as the cause")
        return error as E
    }

    @Test
    fun `a wrong QR code and malformed otpauth URIs are invalid input naming the field`(): Unit = runBlocking {
        Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
            // A QR code that is a bookmark, not an account.
            val bookmark = Countersign.scan(testdata("qr/zxing-blackbox/qrcode-1/1.png").readBytes())!!
            assertEquals(ScanKind.NOT_AUTHENTICATOR, bookmark.kind)
            fails<CountersignException.InvalidInput> { app.add(bookmark.text) }
            val digits = fails<CountersignException.InvalidInput> { app.add("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=4") }
            assertTrue(digits.reason.contains("digits"), digits.reason)
            assertEquals("invalid_input", digits.code)
            val secret = fails<CountersignException.InvalidInput> { app.add("otpauth://totp/x?secret=not+base32!") }
            assertTrue(secret.reason.contains("secret"), secret.reason)
            fails<CountersignException.InvalidInput> { app.add("otpauth://totp/x") }
            fails<CountersignException.InvalidInput> { app.add("https://example.com/") }
            // An enrollment QR code given where an account is expected, and the reverse.
            fails<CountersignException.InvalidInput> { app.add("countersign://enroll?v=1&url=http%3A%2F%2F127.0.0.1%3A1&token=x") }
            fails<CountersignException.InvalidInput> { app.enrollPush("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", "Pixel") }
            assertTrue(app.accounts().isEmpty(), "nothing was added")
        }
        val notAnImage = assertThrows<CountersignException.InvalidInput> { Countersign.scan("not an image".toByteArray()) }
        assertInstanceOf(FfiException.InvalidInput::class.java, notAnImage.cause)
    }

    @Test
    fun `duplicates, unknown ids and wrong kinds are typed`(): Unit = runBlocking {
        Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
            val id = app.add("otpauth://totp/Example:jane?secret=JBSWY3DPEHPK3PXP")
            fails<CountersignException.Duplicate> { app.add("otpauth://totp/Example:jane?secret=JBSWY3DPEHPK3PXP") }
            fails<CountersignException.NotFound> { app.delete("no-such-account") }
            fails<CountersignException.NotFound> { app.rename("no-such-account", null, "x") }
            fails<CountersignException.NotFound> { app.nextHotpCode("no-such-account") }
            fails<CountersignException.InvalidInput> { app.nextHotpCode(id) } // a TOTP account has no next code
            fails<CountersignException.InvalidInput> { app.move(id, 5) }
            app.delete(id)
            fails<CountersignException.NotFound> { app.delete(id) }
            fails<CountersignException.NotFound> { app.deletePushAccount("no-such-push-account") }
            // A privacyIDEA code scanned 11 minutes ago with a 10-minute ttl: refused before any key is made.
            val pipush = "otpauth://pipush/PIPU0001?url=http%3A//127.0.0.1%3A9/ttype/push&ttl=10" +
                "&issuer=privacyIDEA&enrollment_credential=00ff&v=1&serial=PIPU0001&sslverify=0"
            val stale = fails<CountersignException.InvalidInput> {
                app.enrollPush(pipush, "Pixel", scannedAtSeconds = System.currentTimeMillis() / 1000 - 11 * 60)
            }
            assertTrue(stale.reason.contains("10 min"), stale.reason)
            // Milliseconds passed for seconds would switch the ttl off: refused.
            fails<CountersignException.InvalidInput> { app.enrollPush(pipush, "Pixel", scannedAtSeconds = System.currentTimeMillis()) }
            // sslverify=0 needs the user's consent, asked before anything is sent.
            val warning = fails<CountersignException.CertificateChecksOff> { app.enrollPush(pipush, "Pixel") }
            assertEquals("http://127.0.0.1:9/ttype/push", warning.url)
            assertTrue(warning.reason.contains("sslverify=0"), warning.reason)
            assertTrue(app.pushAccounts().isEmpty())
        }
    }

    @Test
    fun `the Kotlin key store is called back from Rust, and a wrong or missing key is a key store error`(): Unit = runBlocking {
        val path = tempVault()
        val keys = MemoryKeyStore()
        Countersign.open(path, keys).use { it.add("otpauth://totp/Example:jane?secret=JBSWY3DPEHPK3PXP") }
        assertEquals(1, keys.storesOf("vault-key-"), "a new vault stores its key once")
        assertEquals(1, keys.storesOf("vault-generation-"), "and its rollback counter")
        val (name, key) = keys.keys.entries.single { it.key.startsWith("vault-key-") }
        assertEquals(32, key.size, "a 256-bit vault key")
        val loadsBefore = keys.loads.get()
        Countersign.open(path, keys).use { assertEquals(1, it.accounts().size) }
        assertTrue(keys.loads.get() > loadsBefore, "reopening loads the key")
        assertEquals(2, keys.stores.get(), "reopening stores nothing")

        val wrong = MemoryKeyStore().apply { this.keys[name] = ByteArray(32) { 7 } }
        fails<CountersignException.KeyStore> { Countersign.open(path, wrong) }
        assertEquals(0, wrong.stores.get(), "a wrong key is never replaced")
        val missing = MemoryKeyStore()
        fails<CountersignException.KeyStore> { Countersign.open(path, missing) }
        assertTrue(missing.keys.isEmpty(), "a vault whose key vanished never gets a new one")

        val locked = object : KeyStore {
            override fun load(name: String): ByteArray? = throw IllegalStateException("Keystore is locked")
            override fun store(name: String, value: ByteArray) = throw IllegalStateException("Keystore is locked")
            override fun delete(name: String) {}
        }
        val error = fails<CountersignException.KeyStore> { Countersign.open(tempVault(), locked) }
        assertTrue(error.reason.contains("Keystore is locked"), error.reason)
        // The key store's own FfiException passes through Rust unchanged in kind.
        val typed = object : KeyStore {
            override fun load(name: String): ByteArray? = throw FfiException.Platform("user not authenticated")
            override fun store(name: String, value: ByteArray) = throw FfiException.Platform("user not authenticated")
            override fun delete(name: String) {}
        }
        val typedError = fails<CountersignException.KeyStore> { Countersign.open(tempVault(), typed) }
        assertTrue(typedError.reason.contains("user not authenticated"), typedError.reason)
        // And the right key still opens the vault after all that.
        Countersign.open(path, keys).use { assertFalse(it.accounts().isEmpty()) }
    }

    @Test
    fun `every FFI error variant maps to its own sealed subtype`() {
        val all: List<Pair<FfiException, Class<out CountersignException>>> = listOf(
            FfiException.InvalidInput("r") to CountersignException.InvalidInput::class.java,
            FfiException.Duplicate("a7", "r") to CountersignException.Duplicate::class.java,
            FfiException.NotFound(null, "r") to CountersignException.NotFound::class.java,
            FfiException.KeyStore("r") to CountersignException.KeyStore::class.java,
            FfiException.Storage(StorageProblem.DISK_FULL, null, "r") to CountersignException.Storage::class.java,
            FfiException.Expired(12, "r") to CountersignException.Expired::class.java,
            FfiException.AlreadyAnswered("r") to CountersignException.AlreadyAnswered::class.java,
            FfiException.WrongNumber("r") to CountersignException.WrongNumber::class.java,
            FfiException.NumberRequired("r") to CountersignException.NumberRequired::class.java,
            FfiException.BiometricFailed(true, "r") to CountersignException.BiometricFailed::class.java,
            FfiException.PhoneRequired("r") to CountersignException.PhoneRequired::class.java,
            FfiException.DeviceReplaced("r") to CountersignException.DeviceReplaced::class.java,
            FfiException.DeviceRevoked("r") to CountersignException.DeviceRevoked::class.java,
            FfiException.Untrusted("r") to CountersignException.Untrusted::class.java,
            FfiException.Network("r") to CountersignException.Network::class.java,
            FfiException.RateLimited(30, "r") to CountersignException.RateLimited::class.java,
            FfiException.ServerRefused("r") to CountersignException.ServerRefused::class.java,
            FfiException.WrongPassword(true, "r") to CountersignException.WrongPassword::class.java,
            FfiException.Platform("r") to CountersignException.Platform::class.java,
            FfiException.Tampered("p1", "r") to CountersignException.Tampered::class.java,
            FfiException.CertificateChecksOff("https://pi.example.com", "r") to CountersignException.CertificateChecksOff::class.java,
            FfiException.Cancelled("r") to CountersignException.Cancelled::class.java,
            FfiException.HardwareKey("r") to CountersignException.HardwareKey::class.java,
        )
        val variants = FfiException::class.java.declaredClasses.count { FfiException::class.java.isAssignableFrom(it) }
        assertEquals(variants, all.size, "a new FFI variant needs a mapping and a line here")
        for ((raw, expected) in all) {
            val mapped = raw.toCountersign()
            assertInstanceOf(expected, mapped)
            assertEquals("r", mapped.reason)
            assertEquals(mapped.reason, mapped.message)
        }
        assertEquals(setOf(all.size), setOf(all.map { it.first.toCountersign().code }.toSet().size), "codes are distinct")
        assertEquals(12, (FfiException.Expired(12, "r").toCountersign() as CountersignException.Expired).secondsAgo)
        assertEquals(30, (FfiException.RateLimited(30, "r").toCountersign() as CountersignException.RateLimited).retryAfterSeconds)
        assertTrue((FfiException.BiometricFailed(true, "r").toCountersign() as CountersignException.BiometricFailed).cancelled)
        assertEquals("a7", (FfiException.Duplicate("a7", "r").toCountersign() as CountersignException.Duplicate).existingId)
        val full = FfiException.Storage(StorageProblem.DISK_FULL, null, "r").toCountersign() as CountersignException.Storage
        assertEquals(StorageProblem.DISK_FULL, full.problem)
        assertTrue(full.whatToDo.contains("Free some space"), full.whatToDo)
        val busy = FfiException.Storage(StorageProblem.BUSY, null, "r").toCountersign()
        assertTrue(busy.whatToDo.contains("moment"), busy.whatToDo)
        assertTrue((FfiException.WrongPassword(true, "r").toCountersign() as CountersignException.WrongPassword).passwordMissing)
        val rolledBack = FfiException.Tampered(null, "r").toCountersign() as CountersignException.Tampered
        assertEquals(null, rolledBack.accountId)
        assertTrue(rolledBack.whatToDo.contains("current vault"), rolledBack.whatToDo)
        assertEquals("p1", (FfiException.Tampered("p1", "r").toCountersign() as CountersignException.Tampered).accountId)
    }
}
