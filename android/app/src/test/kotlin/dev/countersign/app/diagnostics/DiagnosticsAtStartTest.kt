package dev.countersign.app.diagnostics

import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.idleUntil
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config

/**
 * The app's scripted core is in place before onCreate, so the send at start
 * (which [ScreenTestApp] skips) runs as on a phone.
 */
class StartingApp : ScreenTestApp() {
    init {
        openCore = { Countersign.over(core, Dispatchers.Unconfined) }
    }

    override fun sendDiagnosticsAtStart() = diagnostics.send()

    companion object {
        val core = FakeCore()
    }
}

@RunWith(RobolectricTestRunner::class)
@Config(application = StartingApp::class)
class DiagnosticsAtStartTest {
    @Test
    fun `the app sends at start, before any screen`() {
        idleUntil { StartingApp.core.sends.isNotEmpty() }
        assertEquals(SendContext.DEFAULT_COLLECTOR_URL, StartingApp.core.sends.single().first)
    }
}
