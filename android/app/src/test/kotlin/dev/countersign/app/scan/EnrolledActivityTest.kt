package dev.countersign.app.scan

import android.app.Activity
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.TextView
import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.Text
import dev.countersign.app.texts
import dev.countersign.core.PushAccountStatus
import dev.countersign.ffi.PushAccountItem
import dev.countersign.ffi.PushDialect
import dev.countersign.ffi.ScanItem
import dev.countersign.ffi.ScanKind
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

/** A push enrollment ends on a success screen, not a Toast. */
@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class)
class EnrolledActivityTest {
    private val app get() = RuntimeEnvironment.getApplication() as ScreenTestApp

    @Test
    fun `a scanned enrollment code enrolls and opens the green check`() {
        val core = FakeCore()
        core.enrolled = { uri ->
            assertEquals("countersign://enroll?v=1", uri)
            PushAccountItem("p1", "https://mfa.acme.example", "jane", "Acme", "dv_1", PushAccountStatus.ACTIVE, PushDialect.COUNTERSIGN, true)
        }
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
        val scanner = Robolectric.buildActivity(Activity::class.java).setup().get()
        ScanResultHandler(scanner) { throw AssertionError("retry: $it") }
            .handle(ScanItem("countersign://enroll?v=1", ScanKind.PUSH_ENROLLMENT, null, emptyList()))
        val deadline = System.nanoTime() + 5_000_000_000
        var started: android.content.Intent? = null
        while (started == null && System.nanoTime() < deadline) {
            shadowOf(Looper.getMainLooper()).idle()
            started = shadowOf(scanner).nextStartedActivity
            Thread.sleep(5)
        }
        assertEquals(EnrolledActivity::class.java.name, started!!.component!!.className)
        assertTrue(scanner.isFinishing)

        val success = Robolectric.buildActivity(EnrolledActivity::class.java, started).setup()
        val shown = texts(success.get().window.decorView)
        assertTrue(shown.toString(), Text.ENROLLED_TITLE in shown && "${Text.ENROLLED} Acme" in shown && "jane" in shown)
        success.recreate()
        assertTrue("${Text.ENROLLED} Acme" in texts(success.get().window.decorView))
        fun done(view: View): Button? =
            when (view) {
                is Button -> view.takeIf { it.text == Text.DONE }
                is ViewGroup -> (0 until view.childCount).firstNotNullOfOrNull { done(view.getChildAt(it)) }
                else -> null
            }
        done(success.get().window.decorView)!!.performClick()
        assertTrue(success.get().isFinishing)
    }
}
