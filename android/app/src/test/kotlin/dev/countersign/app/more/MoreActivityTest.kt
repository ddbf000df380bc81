package dev.countersign.app.more

import android.app.AlertDialog
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.Switch
import android.widget.TextView
import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.Text
import dev.countersign.app.button
import dev.countersign.app.diagnostics.WhatIsShared
import dev.countersign.app.find
import dev.countersign.app.idleUntil
import dev.countersign.app.texts
import dev.countersign.core.PushAccountStatus
import dev.countersign.ffi.PushAccountItem
import dev.countersign.ffi.PushDialect
import dev.countersign.ffi.SharedFieldItem
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowDialog
import org.robolectric.shadows.ShadowToast

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

    private fun start(core: FakeCore): MoreActivity {
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
        val screen = Robolectric.buildActivity(MoreActivity::class.java).setup().get()
        idleUntil { switch(screen, Text.DIAGNOSTICS).isEnabled }
        return screen
    }

    private fun switch(screen: MoreActivity, label: String): Switch =
        find(screen.window.decorView, Switch::class.java) { it.text.toString() == label }!!

    @Test
    fun `Share Diagnostic Data turns off and on in the core, and a failed save puts the switch back`() {
        val core = FakeCore()
        val screen = start(core)
        val sharing = switch(screen, Text.DIAGNOSTICS)
        val anyNetwork = switch(screen, Text.DIAGNOSTICS_ANY_NETWORK)
        assertTrue(sharing.isChecked)
        assertTrue(anyNetwork.isEnabled)

        sharing.performClick()
        idleUntil { core.diagnosticsSettings.isNotEmpty() }
        assertEquals(listOf("enabled false"), core.diagnosticsSettings)
        assertFalse("which networks means nothing while sharing is off", anyNetwork.isEnabled)

        sharing.performClick()
        idleUntil { core.diagnosticsSettings.size == 2 }
        assertEquals(listOf("enabled false", "enabled true"), core.diagnosticsSettings)
        assertTrue(core.diagnostics)
        assertTrue(anyNetwork.isEnabled)

        core.settingFails = { RuntimeException("the vault is busy") }
        sharing.performClick()
        idleUntil { ShadowToast.getTextOfLatestToast() != null }
        assertEquals("the vault is busy", ShadowToast.getTextOfLatestToast())
        assertTrue("put back, and not saved again", sharing.isChecked)
        assertTrue(anyNetwork.isEnabled)
        assertEquals(2, core.diagnosticsSettings.size)
        assertTrue(core.diagnostics)
    }

    @Test
    fun `Send over mobile data too shows the core's setting and saves changes`() {
        val core = FakeCore().apply { diagnosticsAnyNetwork = true }
        val screen = start(core)
        val anyNetwork = switch(screen, Text.DIAGNOSTICS_ANY_NETWORK)
        assertTrue(anyNetwork.isChecked)
        anyNetwork.performClick()
        idleUntil { core.diagnosticsSettings.isNotEmpty() }
        assertEquals(listOf("anyNetwork false"), core.diagnosticsSettings)
        assertFalse(core.diagnosticsAnyNetwork)
        anyNetwork.performClick()
        idleUntil { core.diagnosticsSettings.size == 2 }
        assertEquals("anyNetwork true", core.diagnosticsSettings.last())
    }

    @Test
    fun `with sharing off, mobile data too cannot be switched`() {
        val screen = start(FakeCore().apply { diagnostics = false })
        assertFalse(switch(screen, Text.DIAGNOSTICS).isChecked)
        assertFalse(switch(screen, Text.DIAGNOSTICS_ANY_NETWORK).isEnabled)
    }

    @Test
    fun `What is shared lists every field the core returns, then what is never shared`() {
        val fields = listOf(
            SharedFieldItem("install", "a random id"),
            SharedFieldItem("language", "the language of your locale"),
            SharedFieldItem("frames", "camera frames until a scan ended"),
        )
        app.whatIsShared = { WhatIsShared(fields, "secrets, codes and your Protect ID") }
        val more = start(FakeCore())
        button(more.window.decorView, Text.WHAT_IS_SHARED)!!.performClick()
        val opened = shadowOf(more).nextStartedActivity
        assertEquals(WhatIsSharedActivity::class.java.name, opened.component?.className)
        val screen = Robolectric.buildActivity(WhatIsSharedActivity::class.java, opened).setup().get()
        val shown = texts(screen.findViewById<android.view.View>(android.R.id.content)!!)  // without the action bar's title
        for (field in fields) assertTrue(shown.toString(), "${field.name}: ${field.meaning}" in shown)
        assertEquals("Never shared: secrets, codes and your Protect ID.", shown.last())
    }
}
