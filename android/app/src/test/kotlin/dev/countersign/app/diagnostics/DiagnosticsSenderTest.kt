package dev.countersign.app.diagnostics

import android.app.Activity
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.os.Build
import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.idleUntil
import dev.countersign.ffi.AppPlatform
import dev.countersign.ffi.DeviceKind
import dev.countersign.ffi.NetworkKind
import java.util.Locale
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowNetworkCapabilities

/** The app asks the core to send diagnostics, with the network and environment Android reports. */
@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class)
class DiagnosticsSenderTest {
    private val core = FakeCore()
    private val app get() = RuntimeEnvironment.getApplication() as ScreenTestApp
    private val connectivity: ConnectivityManager get() = app.getSystemService(ConnectivityManager::class.java)!!

    @Before
    fun scriptedCore() {
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
    }

    /** The active network as Android describes it: metered unless it has NOT_METERED. */
    private fun onNetwork(notMetered: Boolean) {
        val capabilities = ShadowNetworkCapabilities.newInstance()
        shadowOf(capabilities).addCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET)
        if (notMetered) shadowOf(capabilities).addCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED)
        shadowOf(connectivity).setNetworkCapabilities(connectivity.activeNetwork, capabilities)
    }

    @Test
    fun `each screen coming to the foreground sends, with the network the phone is on`() {
        onNetwork(notMetered = true)
        val screen = Robolectric.buildActivity(Activity::class.java).setup()
        idleUntil { core.sends.size == 1 }
        assertEquals(NetworkKind.UNMETERED, core.sends.single().third)

        onNetwork(notMetered = false)
        screen.pause().resume()
        idleUntil { core.sends.size == 2 }
        assertEquals(NetworkKind.METERED, core.sends[1].third)

        shadowOf(connectivity).setActiveNetworkInfo(null)
        screen.pause().resume()
        idleUntil { core.sends.size == 3 }
        assertEquals(NetworkKind.NONE, core.sends[2].third)

        assertEquals(listOf(SendContext.DEFAULT_COLLECTOR_URL), core.sends.map { it.first }.distinct())
    }

    @Test
    fun `the environment is Android's own, and a phone is a phone`() {
        Robolectric.buildActivity(Activity::class.java).setup()
        idleUntil { core.sends.isNotEmpty() }
        val environment = core.sends.single().second
        assertEquals(AppPlatform.ANDROID, environment.platform)
        assertEquals(Build.VERSION.RELEASE, environment.osVersion)
        assertEquals(DeviceKind.PHONE, environment.device)
        assertEquals(Locale.getDefault().toLanguageTag(), environment.locale)
        val version = runCatching { app.packageManager.getPackageInfo(app.packageName, 0).versionName }.getOrNull()
        assertEquals(version ?: "0", environment.appVersion)
    }

    @Test
    @Config(qualifiers = "sw600dp")
    fun `600 dp and wider is a tablet`() {
        assertEquals(DeviceKind.TABLET, SendContext.environment(app).device)
    }

    @Test
    fun `a send that fails is dropped quietly, and the next foreground asks again`() {
        core.sendResult = { throw RuntimeException("collector unreachable") }
        val screen = Robolectric.buildActivity(Activity::class.java).setup()
        idleUntil { core.sends.size == 1 }
        screen.pause().resume()
        idleUntil { core.sends.size == 2 }
        assertEquals(2, core.sends.size)
    }
}
