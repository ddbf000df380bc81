package dev.countersign

import dev.countersign.ffi.AccountKind
import dev.countersign.ffi.Authenticator
import dev.countersign.ffi.AuthenticatorInterface
import dev.countersign.ffi.CodesUpdate
import dev.countersign.ffi.CodesView
import dev.countersign.ffi.ScanKind
import java.io.File
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

class CountersignTest {
    private val github = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

    @Test
    fun `accounts are added and the codes view ticks with the right codes`(): Unit = runBlocking {
        Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
            val id = app.add("otpauth://totp/GitHub:jane?secret=$github&issuer=GitHub")
            app.add("otpauth://hotp/Bank:me?secret=JBSWY3DPEHPK3PXP&counter=0")
            val views = app.codes(everyMillis = 20).take(3).toList()
            assertEquals(3, views.size)
            for (view in views) {
                val totp = view.items[0]
                assertEquals(listOf(id, "GitHub", "jane"), listOf(totp.id, totp.issuer, totp.name))
                assertEquals(ReferenceOtp.totp(ReferenceOtp.base32(github), view.now), totp.code)
                assertEquals((30 - view.now % 30).toUInt(), totp.secondsLeft)
                val hotp = view.items[1]
                assertNull(hotp.code, "HOTP codes are shown on request")
                assertEquals(0uL, hotp.hotpCounter)
            }
            val bank = app.accounts("bank").single()
            assertEquals(listOf(AccountKind.HOTP, true), listOf(bank.kind, bank.weakSecret))
            val secret = ReferenceOtp.base32("JBSWY3DPEHPK3PXP")
            assertEquals(ReferenceOtp.hotp(secret, 0), app.nextHotpCode(bank.id))
            assertEquals(ReferenceOtp.hotp(secret, 1), app.nextHotpCode(bank.id))
            app.rename(bank.id, "Bank", "savings")
            app.move(bank.id, 0)
            assertEquals(listOf("savings", "jane"), app.accounts().map { it.name })
            app.delete(bank.id)
            assertEquals(1, app.codesNow().items.size)
        }
    }

    @Test
    fun `settings, the device identity and scanning go through the facade too`(): Unit = runBlocking {
        Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
            assertTrue(Regex("[A-Z2-7]{4}(-[A-Z2-7]{4}){3}").matches(app.protectId()), app.protectId())
            assertTrue(app.diagnosticsEnabled(), "on unless switched off")
            app.setDiagnosticsEnabled(false)
            assertEquals(false, app.diagnosticsEnabled())
        }
        val png = File(System.getProperty("countersign.testdata"), "import/google_authenticator_migration/example_export.png").readBytes()
        val stopped = dev.countersign.ffi.ScanCancellation()
        stopped.cancel()
        assertThrows(CountersignException.Cancelled::class.java) { Countersign.scan(png, stopped) }
        assertEquals(ScanKind.MIGRATION_BATCH, Countersign.scan(png, dev.countersign.ffi.ScanCancellation())?.kind)
        // A frame whose buffer is shorter than its geometry: a typed error, not a crash.
        assertThrows(CountersignException.InvalidInput::class.java) { Countersign.scanFrame(100u, 100u, 100u, 0u, ByteArray(10)) }
        LiveScan().use { live ->
            assertNull(live.pushFrame(64u, 64u, 64u, 0u, ByteArray(64 * 64) { -1 }))
            assertEquals(false, live.isFinished)
            assertThrows(CountersignException.InvalidInput::class.java) { live.pushFrame(10u, 10u, 10u, 45u, ByteArray(100)) }
        }
    }

    @Test
    fun `stopping the codes flow closes the core's codes screen and loses nothing`(): Unit = runBlocking {
        Authenticator.open(tempVault(), MemoryKeyStore(), null).use { real ->
            var closed = 0
            var views = 0
            var ticks = 0
            val counting = object : AuthenticatorInterface by real {
                override fun closeCodesView() {
                    closed++
                    real.closeCodesView()
                }

                override suspend fun codes(): CodesView = real.codes().also { views++ }

                override suspend fun codesUpdate(screen: ULong): CodesUpdate? = real.codesUpdate(screen).also { ticks++ }
            }
            val app = Countersign.over(counting)
            app.add("otpauth://totp/GitHub:jane?secret=$github&issuer=GitHub")
            val shown = app.codes(everyMillis = 20).take(3).toList()
            assertEquals(listOf(1, 2), listOf(views, ticks), "one whole view, then only codes")
            for (view in shown) {
                assertEquals(ReferenceOtp.totp(ReferenceOtp.base32(github), view.now), view.items.single().code)
                assertEquals((30 - view.now % 30).toUInt(), view.items.single().secondsLeft)
            }
            assertEquals(1, closed, "the flow's end closes the screen once")
            // The key states are gone; the accounts are not.
            app.add("otpauth://totp/GitLab:jane?secret=JBSWY3DPEHPK3PXP&issuer=GitLab")
            val view = app.codesNow()
            assertEquals(listOf("GitHub", "GitLab"), view.items.map { it.issuer })
            assertEquals(ReferenceOtp.totp(ReferenceOtp.base32(github), view.now), view.items[0].code)
        }
    }

    @Test
    fun `the ticking flow is aligned to the wall clock second`(): Unit = runBlocking {
        Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
            app.add("otpauth://totp/x?secret=$github")
            val stamps = mutableListOf<Long>()
            app.codes(everyMillis = 200).take(4).collect { stamps += System.currentTimeMillis() }
            // After the first emission each tick lands just past a multiple of 200 ms.
            for (stamp in stamps.drop(1)) assertTrue(stamp % 200 < 150, "tick at ${stamp % 200} ms past the period")
        }
    }

    @Test
    fun `a QR image from the shared test data scans`() {
        val testdata = System.getProperty("countersign.testdata")
        val png = File(testdata, "import/google_authenticator_migration/example_export.png").readBytes()
        assertEquals(ScanKind.MIGRATION_BATCH, Countersign.scan(png)!!.kind)
        assertThrows(CountersignException.InvalidInput::class.java) { Countersign.scan("not an image".toByteArray()) }
    }
}
