package dev.countersign.app.transfer

import android.net.Uri
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.Text
import dev.countersign.app.find
import dev.countersign.app.idleUntil
import dev.countersign.app.texts
import dev.countersign.ffi.FfiException
import dev.countersign.ffi.ImportPlan
import dev.countersign.ffi.ImportedAccount
import dev.countersign.ffi.SkippedEntry
import java.io.ByteArrayInputStream
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config

/** Import with a scripted core: the file read, the password asked, the preview, all or nothing. */
@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class)
class ImportActivityTest {
    private val core = FakeCore()
    private val app get() = RuntimeEnvironment.getApplication() as ScreenTestApp
    private val file = Uri.parse("content://test/aegis.json")

    private val plan =
        ImportPlan(
            format = "Aegis",
            toAdd = listOf(ImportedAccount("GitHub", "jane"), ImportedAccount(null, "vpn")),
            duplicates = 1u,
            skipped = listOf(SkippedEntry("Yubi", "YubiKey OTP is not a TOTP/HOTP account")),
        )

    @Before
    fun setUp() {
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
        shadowOf(app.contentResolver).registerInputStream(file, ByteArrayInputStream("aegis-bytes".toByteArray()))
    }

    private fun open(): ActivityController<ImportActivity> =
        Robolectric.buildActivity(ImportActivity::class.java, ImportActivity.intent(app, file)).setup()

    private fun shown(controller: ActivityController<ImportActivity>) = texts(controller.get().window.decorView)

    @Test
    fun `the preview says what would be added, and Import adds it all`() {
        core.importPlan = { bytes, _ -> assertEquals("aegis-bytes", String(bytes)); plan }
        val controller = open()
        idleUntil { Text.importAction(2) in shown(controller) }
        val shown = shown(controller)
        assertTrue(shown.toString(), Text.importSummary("Aegis", 2, 1) in shown)
        assertTrue(shown.toString(), "• GitHub · jane" in shown && "• vpn" in shown)
        assertTrue(shown.toString(), shown.any { it.startsWith(Text.SKIPPED) && "Yubi" in it })
        find(controller.get().window.decorView, Button::class.java) { it.text == Text.importAction(2) }!!.performClick()
        idleUntil { core.imported.isNotEmpty() }
        assertEquals(listOf("aegis-bytes" to null), core.imported)
        idleUntil { controller.get().isFinishing }
        assertTrue(controller.get().isFinishing)
    }

    @Test
    fun `an encrypted file asks for its password, and again when it is wrong`() {
        core.importPlan = { _, password ->
            when (password) {
                null -> throw FfiException.WrongPassword(true, "this Aegis file is encrypted: give its password")
                "right" -> plan
                else -> throw FfiException.WrongPassword(false, "the password is wrong (or the file is damaged)")
            }
        }
        val controller = open()
        idleUntil { Text.FILE_ENCRYPTED in shown(controller) }
        fun submit(password: String) {
            find(controller.get().window.decorView, EditText::class.java)!!.setText(password)
            find(controller.get().window.decorView, Button::class.java) { it.text == Text.CONTINUE }!!.performClick()
        }
        submit("wrong")
        idleUntil { Text.PASSWORD_AGAIN in shown(controller) }
        assertTrue(shown(controller).toString(), shown(controller).any { "password is wrong" in it })
        submit("right")
        idleUntil { Text.importAction(2) in shown(controller) }
        // A rotation keeps the preview (and the password it took).
        controller.recreate()
        idleUntil { Text.importAction(2) in shown(controller) }
        find(controller.get().window.decorView, Button::class.java) { it.text == Text.importAction(2) }!!.performClick()
        idleUntil { core.imported.isNotEmpty() }
        assertEquals(listOf("aegis-bytes" to "right"), core.imported)
    }

    @Test
    fun `a file that is not an export is explained, and nothing is imported`() {
        core.importPlan = { _, _ -> throw FfiException.InvalidInput("the file's format is not one Countersign can import") }
        val controller = open()
        idleUntil { controller.get().status.text.isNotEmpty() && controller.get().status.text != Text.READING }
        assertTrue(controller.get().status.text.toString(), "format" in controller.get().status.text)
        assertEquals(emptyList<Pair<String, String?>>(), core.imported)
    }
}
