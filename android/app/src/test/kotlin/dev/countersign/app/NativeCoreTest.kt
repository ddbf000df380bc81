package dev.countersign.app

import dev.countersign.Countersign
import dev.countersign.app.keys.AndroidKeystoreSecretStore
import dev.countersign.app.keys.BlobCipher
import dev.countersign.app.more.WhatIsSharedActivity
import dev.countersign.app.scan.QrFrameAnalyzer
import dev.countersign.ffi.ScanKind
import java.io.File
import java.nio.ByteBuffer
import javax.imageio.ImageIO
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assume.assumeTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config

/**
 * The app's pieces against the real core (the host build of libcountersign_ffi
 * through JNA, as in android/countersign): skipped when the library is absent.
 */
@RunWith(RobolectricTestRunner::class)
class NativeCoreTest {
    private val nativeDir = File(System.getProperty("jna.library.path") ?: "")

    @Before
    fun needsLibrary() = assumeTrue("no host libcountersign_ffi", File(nativeDir, "libcountersign_ffi.so").isFile)

    /** Sealing is the Keystore's job on a phone; here a reversible stand-in shows the store round-trips. */
    private object XorCipher : BlobCipher {
        override fun seal(plain: ByteArray, associated: ByteArray) = ByteArray(plain.size) { (plain[it].toInt() xor 0x5a).toByte() }
        override fun open(sealed: ByteArray, associated: ByteArray) = seal(sealed, associated)
    }

    @Test
    fun `the vault opens through the app's key store and shows codes`() = runBlocking {
        val app = RuntimeEnvironment.getApplication()
        val prefs = app.getSharedPreferences("native-test", 0)
        val path = File(app.filesDir, "vault.sqlite").path
        Countersign.open(path, AndroidKeystoreSecretStore(prefs, XorCipher)).use { core ->
            core.add("otpauth://totp/GitHub:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=GitHub")
            val item = core.codesNow().items.single()
            assertEquals("GitHub", item.issuer)
            assertEquals(6, item.code!!.length)
        }
        assertTrue("the vault key was sealed into the app's preferences", prefs.all.isNotEmpty())
        Countersign.open(path, AndroidKeystoreSecretStore(prefs, XorCipher)).use { core ->
            assertEquals(1, core.accounts().size)
        }
    }

    @Test
    fun `a camera frame with padded rows is decoded by the live scanner`() {
        val dir = File(System.getProperty("countersign.testdata") ?: "", "qr/synthetic-seed1")
        val manifest = File(dir, "manifest.tsv")
        assumeTrue("no testdata", manifest.isFile)
        val columns = manifest.readLines().first().split('\t')
        val rows = manifest.readLines().drop(1).map { it.split('\t') }
        val (file, expected) =
            rows.first { it[columns.indexOf("payload_type")] == "otpauth" && (it[columns.indexOf("module_px")].toDoubleOrNull() ?: 0.0) >= 6 }
                .let { it[columns.indexOf("file")] to it[columns.indexOf("expected")] }
        val image = ImageIO.read(File(dir, file))
        val (width, height, stride) = Triple(image.width, image.height, image.width + 64)
        val plane = ByteBuffer.allocateDirect(stride * (height - 1) + width)
        val raster = image.raster
        for (y in 0 until height) for (x in 0 until width) plane.put(y * stride + x, raster.getSample(x, y, 0).toByte())
        val found = QrFrameAnalyzer.live().analyze(plane, stride, 1, width, height, 0)
        assertEquals(ScanKind.OTPAUTH, found?.kind)
        assertEquals(expected, found?.text)
    }

    @Test
    @Config(application = ScreenTestApp::class)
    fun `What is shared shows every field the real core can send`() {
        val screen = Robolectric.buildActivity(WhatIsSharedActivity::class.java).setup().get()
        val shown = texts(screen.findViewById<android.view.View>(android.R.id.content)!!)  // without the action bar's title
        val fields = Countersign.whatIsShared()
        assertTrue(fields.size >= 10)
        for (field in fields) assertTrue(field.name, "${field.name}: ${field.meaning}" in shown)
        assertEquals(Text.neverShared(Countersign.neverShared()), shown.last())
    }
}
