package dev.countersign.app.codes

import android.content.ClipboardManager
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.view.WindowManager
import android.widget.EditText
import android.widget.TextView
import androidx.recyclerview.widget.RecyclerView
import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.code
import dev.countersign.app.idleUntil
import dev.countersign.app.texts
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

/** The codes screen against a scripted core. */
@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class)
class AccountsActivityTest {
    private val core = FakeCore()
    private val app get() = RuntimeEnvironment.getApplication() as ScreenTestApp

    @Before
    fun scriptedCore() {
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
        core.codeRows = {
            listOf(
                code("a", "GitHub", "jane@example.com", "123456"),
                code("b", "Google", "jane@gmail.com", "654321", secondsLeft = 3u),
                code("c", null, "vpn", "111222"),
            )
        }
    }

    private fun start(): ActivityController<AccountsActivity> {
        val controller = Robolectric.buildActivity(AccountsActivity::class.java).setup()
        idleUntil { rows(controller) > 0 }
        return controller
    }

    private fun list(controller: ActivityController<AccountsActivity>): RecyclerView = controller.get().list

    private fun rows(controller: ActivityController<AccountsActivity>): Int = list(controller).adapter?.itemCount ?: 0

    private fun shown(controller: ActivityController<AccountsActivity>): List<String> {
        val recycler = list(controller)
        recycler.measure(View.MeasureSpec.makeMeasureSpec(1080, View.MeasureSpec.EXACTLY), View.MeasureSpec.makeMeasureSpec(1920, View.MeasureSpec.EXACTLY))
        recycler.layout(0, 0, 1080, 1920)
        return texts(recycler)
    }

    @Test
    fun `every account shows its code, grouped, with a ring that turns red at the end`() {
        val controller = start()
        val shown = shown(controller)
        assertTrue(shown.toString(), "GitHub (jane@example.com)" in shown && "123 456" in shown && "111 222" in shown)
        val second = list(controller).findViewHolderForAdapterPosition(1) as CodesAdapter.Row
        assertTrue(second.ring.expiring)
        assertEquals(0.1f, second.ring.fraction, 0.001f)
        assertTrue(controller.get().window.attributes.flags and WindowManager.LayoutParams.FLAG_SECURE != 0)
    }

    @Test
    fun `a tap copies the code, marked sensitive`() {
        val controller = start()
        shown(controller)
        list(controller).findViewHolderForAdapterPosition(0)!!.itemView.performClick()
        val clip = app.getSystemService(ClipboardManager::class.java)!!.primaryClip!!
        assertEquals("123456", clip.getItemAt(0).text.toString())
    }

    @Test
    fun `search narrows the list, and survives a rotation`() {
        val controller = start()
        val search = controller.get().window.decorView.findViewWithTag<EditText>(null)
            ?: findEdit(controller.get().window.decorView)!!
        search.setText("goo")
        idleUntil { rows(controller) == 1 }
        assertEquals(listOf("b"), (0 until rows(controller)).map { (list(controller).adapter as CodesAdapter).items[it].id })
        controller.recreate()
        idleUntil { rows(controller) == 1 }
        assertEquals("goo", findEdit(controller.get().window.decorView)!!.text.toString())
        assertEquals(1, rows(controller))
    }

    private fun findEdit(view: View): EditText? =
        when (view) {
            is EditText -> view
            is ViewGroup -> (0 until view.childCount).firstNotNullOfOrNull { findEdit(view.getChildAt(it)) }
            else -> null
        }
}
