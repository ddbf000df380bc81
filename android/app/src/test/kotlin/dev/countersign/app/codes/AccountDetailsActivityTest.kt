package dev.countersign.app.codes

import android.app.AlertDialog
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.EditText
import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.Text
import dev.countersign.app.button
import dev.countersign.app.idleUntil
import dev.countersign.ffi.AccountItem
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
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowDialog

@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class)
class AccountDetailsActivityTest {
    private val core = FakeCore()
    private val app get() = RuntimeEnvironment.getApplication() as ScreenTestApp

    private fun account(id: String, position: UInt, name: String) =
        AccountItem(id, position, "GitHub", name, dev.countersign.ffi.AccountKind.TOTP, 6u, false)

    @Before
    fun scriptedCore() {
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
        core.accountRows = { listOf(account("a", 0u, "jane"), account("b", 1u, "work")) }
    }

    private fun open(id: String) =
        Robolectric.buildActivity(AccountDetailsActivity::class.java, AccountDetailsActivity.intent(app, id)).setup().also { controller ->
            idleUntil { button(controller.get().window.decorView, Text.RENAME) != null }
        }

    @Test
    fun `rename sends the new issuer and name`() {
        val screen = open("a").get()
        button(screen.window.decorView, Text.RENAME)!!.performClick()
        val dialog = ShadowDialog.getLatestDialog() as AlertDialog
        fun edits(view: View): List<EditText> =
            when (view) {
                is EditText -> listOf(view)
                is ViewGroup -> (0 until view.childCount).flatMap { edits(view.getChildAt(it)) }
                else -> emptyList()
            }
        val (issuer, name) = edits(dialog.window!!.decorView)
        issuer.setText("")
        name.setText("jane (personal)")
        dialog.getButton(AlertDialog.BUTTON_POSITIVE).performClick()
        idleUntil { core.renamed.isNotEmpty() }
        assertEquals(listOf(Triple("a", null, "jane (personal)")), core.renamed)
    }

    @Test
    fun `delete asks first, and Cancel keeps the account`() {
        val screen = open("a").get()
        button(screen.window.decorView, Text.DELETE)!!.performClick()
        var dialog = ShadowDialog.getLatestDialog() as AlertDialog
        assertTrue(shadowOf(dialog).message.toString().contains(Text.DELETE_BODY))
        dialog.getButton(AlertDialog.BUTTON_NEGATIVE).performClick()
        repeat(20) { shadowOf(Looper.getMainLooper()).idle(); Thread.sleep(5) }
        assertEquals(emptyList<String>(), core.deleted)
        assertTrue(!screen.isFinishing)
        button(screen.window.decorView, Text.DELETE)!!.performClick()
        dialog = ShadowDialog.getLatestDialog() as AlertDialog
        dialog.getButton(AlertDialog.BUTTON_POSITIVE).performClick()
        idleUntil { core.deleted.isNotEmpty() && screen.isFinishing }
        assertEquals(listOf("a"), core.deleted)
        assertTrue(screen.isFinishing)
    }

    @Test
    fun `move down moves one place, and the last account goes no further`() {
        open("a").get().let { screen -> button(screen.window.decorView, Text.MOVE_DOWN)!!.performClick() }
        idleUntil { core.moved.isNotEmpty() }
        assertEquals(listOf("a" to 1u), core.moved)
        open("b").get().let { screen -> button(screen.window.decorView, Text.MOVE_DOWN)!!.performClick() }
        // Given time to call the core, it does not.
        repeat(20) { shadowOf(Looper.getMainLooper()).idle(); Thread.sleep(5) }
        assertEquals(listOf("a" to 1u), core.moved)
    }
}
