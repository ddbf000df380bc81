package dev.countersign.app.codes

import android.os.Looper
import dev.countersign.Countersign
import dev.countersign.CountersignException
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.Text
import dev.countersign.app.find
import dev.countersign.app.idleUntil
import dev.countersign.ffi.FfiException
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

@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class)
class ManualEntryTest {
    private val core = FakeCore()
    private val app get() = RuntimeEnvironment.getApplication() as ScreenTestApp

    @Before
    fun scriptedCore() {
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
    }

    @Test
    fun `the form becomes the key URI the core checks`() {
        assertEquals(
            "otpauth://totp/GitHub:jane%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=GitHub&algorithm=SHA1&digits=6&period=30",
            ManualEntry(issuer = "GitHub", account = "jane@example.com", secret = "jbsw y3dp-ehpk 3pxp").uri(),
        )
        assertEquals(
            "otpauth://hotp/vpn%20box?secret=ABC&algorithm=SHA256&digits=8&counter=5",
            ManualEntry(account = "vpn box", secret = "abc", type = ManualEntry.HOTP, algorithm = "SHA256", digits = 8, counter = 5).uri(),
        )
        assertEquals("Enter the key", ManualEntry(account = "a").problem())
        assertEquals("Enter the account name", ManualEntry(secret = "a").problem())
    }

    @Test
    fun `a typed key is added, and the screen closes`() {
        val controller = Robolectric.buildActivity(ManualEntryActivity::class.java).setup()
        val screen = controller.get()
        screen.issuer.setText("GitHub")
        screen.account.setText("jane")
        screen.secret.setText("JBSWY3DPEHPK3PXP")
        screen.findViewById<android.view.View>(android.R.id.content).let { root ->
            (root as android.view.ViewGroup).let { }
        }
        clickAdd(screen)
        idleUntil { core.added.isNotEmpty() }
        assertEquals(listOf("otpauth://totp/GitHub:jane?secret=JBSWY3DPEHPK3PXP&issuer=GitHub&algorithm=SHA1&digits=6&period=30"), core.added)
        idleUntil { screen.isFinishing }
        assertTrue(screen.isFinishing)
    }

    @Test
    fun `a key the core refuses is explained, and nothing is lost on rotation`() {
        core.addResult = { throw FfiException.InvalidInput("the key is not valid base32") }
        val controller = Robolectric.buildActivity(ManualEntryActivity::class.java).setup()
        controller.get().account.setText("jane")
        controller.get().secret.setText("not base32!")
        clickAdd(controller.get())
        idleUntil { controller.get().status.text.isNotEmpty() }
        assertTrue(controller.get().status.text.toString(), controller.get().status.text.contains("base32"))
        assertTrue(!controller.get().isFinishing)
        controller.recreate()
        assertEquals("jane", controller.get().account.text.toString())
        assertEquals("not base32!", controller.get().secret.text.toString())
    }

    @Test
    fun `an empty form says what is missing without calling the core`() {
        val controller = Robolectric.buildActivity(ManualEntryActivity::class.java).setup()
        clickAdd(controller.get())
        assertEquals("Enter the account name", controller.get().status.text.toString())
        assertEquals(emptyList<String>(), core.added)
    }

    private fun clickAdd(screen: ManualEntryActivity) {
        fun find(view: android.view.View): android.widget.Button? =
            when (view) {
                is android.widget.Button -> view.takeIf { it.text.toString() == Text.ADD }
                is android.view.ViewGroup -> (0 until view.childCount).firstNotNullOfOrNull { find(view.getChildAt(it)) }
                else -> null
            }
        find(screen.window.decorView)!!.performClick()
        shadowOf(Looper.getMainLooper()).idle()
    }
}
