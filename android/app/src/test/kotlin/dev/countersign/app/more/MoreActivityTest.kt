package dev.countersign.app.more

import android.app.AlertDialog
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.TextView
import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.Text
import dev.countersign.app.idleUntil
import dev.countersign.app.texts
import dev.countersign.core.PushAccountStatus
import dev.countersign.ffi.PushAccountItem
import dev.countersign.ffi.PushDialect
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
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
class MoreActivityTest {
    private val app get() = RuntimeEnvironment.getApplication() as ScreenTestApp

    @Test
    fun `a push account is removed after a confirmation, and the Protect ID shows`() {
        val core = FakeCore()
        core.pushAccountRows += PushAccountItem("p1", "https://mfa.acme.example", "jane", "Acme", "dv_1", PushAccountStatus.ACTIVE, PushDialect.COUNTERSIGN, true)
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
        val screen = Robolectric.buildActivity(MoreActivity::class.java).setup().get()
        idleUntil { texts(screen.window.decorView).any { it.startsWith("Acme · jane") } && "pid-123" in texts(screen.window.decorView) }
        assertTrue(texts(screen.window.decorView).toString(), "pid-123" in texts(screen.window.decorView))
        fun remove(view: View): Button? =
            when (view) {
                is Button -> view.takeIf { it.text == Text.REMOVE }
                is ViewGroup -> (0 until view.childCount).firstNotNullOfOrNull { remove(view.getChildAt(it)) }
                else -> null
            }
        remove(screen.pushAccounts)!!.performClick()
        val dialog = ShadowDialog.getLatestDialog() as AlertDialog
        dialog.getButton(AlertDialog.BUTTON_POSITIVE).performClick()
        idleUntil { core.pushAccountRows.isEmpty() && "—" in texts(screen.pushAccounts) }
        assertEquals(listOf("—"), texts(screen.pushAccounts))
    }
}
