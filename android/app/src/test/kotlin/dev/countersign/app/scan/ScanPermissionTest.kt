package dev.countersign.app.scan

import android.Manifest
import android.app.Application
import android.content.pm.PackageManager
import android.os.Looper
import android.provider.Settings
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.TextView
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.Text
import dev.countersign.app.texts
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotSame
import org.junit.Assert.assertNull
import org.junit.Assert.assertSame
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config

/** The camera permission: asked once, and a way out after "don't ask again". */
@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class, sdk = [26, 33])
class ScanPermissionTest {
    private val app: Application get() = RuntimeEnvironment.getApplication()

    private fun start(): ActivityController<ScanActivity> = Robolectric.buildActivity(ScanActivity::class.java).setup()

    private fun idle() = shadowOf(Looper.getMainLooper()).idle()

    /** The last permission request this screen made (a new object per request). */
    private fun lastRequest(controller: ActivityController<ScanActivity>): Any? =
        shadowOf(controller.get()).lastRequestedPermission

    private fun answer(controller: ActivityController<ScanActivity>, granted: Boolean, askAgainLater: Boolean) {
        val request = shadowOf(controller.get()).lastRequestedPermission!!
        shadowOf(app.packageManager).setShouldShowRequestPermissionRationale(Manifest.permission.CAMERA, askAgainLater)
        if (granted) shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val result = if (granted) PackageManager.PERMISSION_GRANTED else PackageManager.PERMISSION_DENIED
        @Suppress("DEPRECATION")
        controller.get().onRequestPermissionsResult(request.requestCode, request.requestedPermissions, intArrayOf(result))
        idle()
    }

    private fun buttons(view: View): List<Button> =
        when (view) {
            is Button -> listOf(view)
            is ViewGroup -> (0 until view.childCount).flatMap { buttons(view.getChildAt(it)) }
            else -> emptyList()
        }

    private fun visibleButton(controller: ActivityController<ScanActivity>): Button? =
        buttons(controller.get().window.decorView).firstOrNull { it.visibility == View.VISIBLE }

    @Test
    fun `it asks once, and not again on resume or rotation`() {
        val controller = start()
        assertEquals(Manifest.permission.CAMERA, shadowOf(controller.get()).lastRequestedPermission!!.requestedPermissions[0])
        answer(controller, granted = false, askAgainLater = true)
        val answered = lastRequest(controller)
        controller.pause().resume()
        idle()
        assertSame(answered, lastRequest(controller))
        controller.recreate()
        idle()
        // The recreated screen made no request of its own.
        assertNull(lastRequest(controller))
        assertEquals(Text.CAMERA_NEEDED in texts(controller.get().window.decorView), true)
    }

    @Test
    fun `refused once, a tap asks again`() {
        val controller = start()
        answer(controller, granted = false, askAgainLater = true)
        val answered = lastRequest(controller)
        val again = visibleButton(controller)!!
        assertEquals(Text.ALLOW_CAMERA, again.text.toString())
        again.performClick()
        idle()
        assertNotSame(answered, lastRequest(controller))
    }

    @Test
    fun `refused for good, the button opens the app's settings`() {
        val controller = start()
        answer(controller, granted = false, askAgainLater = false)
        val settings = visibleButton(controller)!!
        assertEquals(Text.OPEN_SETTINGS, settings.text.toString())
        settings.performClick()
        val opened = shadowOf(controller.get()).nextStartedActivity
        assertEquals(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, opened.action)
        assertEquals("package:${app.packageName}", opened.dataString)
    }

    @Test
    fun `allowed, it scans without asking`() {
        shadowOf(app).grantPermissions(Manifest.permission.CAMERA)
        val controller = start()
        assertNull(shadowOf(controller.get()).lastRequestedPermission)
        assertNull(visibleButton(controller))
    }
}
