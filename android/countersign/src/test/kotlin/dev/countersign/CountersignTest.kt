package dev.countersign

import dev.countersign.ffi.FfiException
import dev.countersign.ffi.KeyStore
import dev.countersign.ffi.scanImage
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap

/** A Kotlin key store, called back from Rust. */
class MemoryKeyStore : KeyStore {
    private val keys = ConcurrentHashMap<String, ByteArray>()
    override fun load(name: String): ByteArray? = keys[name]
    override fun store(name: String, value: ByteArray) { keys[name] = value }
    override fun delete(name: String) { keys.remove(name) }
}

class CountersignTest {
    private fun vaultPath(): String = Files.createTempDirectory("countersign").resolve("vault.sqlite").toString()

    @Test
    fun `accounts are added and the codes view ticks`() = runBlocking {
        val app = Countersign.open(vaultPath(), MemoryKeyStore())
        app.add("otpauth://totp/GitHub:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub").getOrThrow()
        val views = app.codes(everyMillis = 10).take(2).toList()
        assertEquals(2, views.size)
        assertEquals("GitHub", views[0].items[0].issuer)
        assertEquals(6, views[0].items[0].code!!.length)
        assertTrue(views[0].items[0].secondsLeft!!.toInt() in 1..30)
    }

    @Test
    fun `errors arrive as sealed Kotlin exceptions with the field named`() = runBlocking {
        val app = Countersign.open(vaultPath(), MemoryKeyStore())
        val failure = app.add("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=4").exceptionOrNull()
        assertTrue(failure is FfiException.InvalidInput, "$failure")
        assertTrue(failure!!.message!!.contains("digits"))
        app.add("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP").getOrThrow()
        assertTrue(app.add("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP").exceptionOrNull() is FfiException.Duplicate)
    }

    @Test
    fun `a QR image from the shared test data scans`() {
        val testdata = System.getProperty("countersign.testdata")
        val png = File(testdata, "import/google_authenticator_migration/example_export.png").readBytes()
        assertEquals("migration_batch", scanImage(png)!!.kind)
        assertThrows<FfiException.InvalidInput> { scanImage("not an image".toByteArray()) }
    }
}
