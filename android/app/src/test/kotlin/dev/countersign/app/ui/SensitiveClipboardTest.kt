package dev.countersign.app.ui

import android.content.ClipboardManager
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
class SensitiveClipboardTest {
    private val context = RuntimeEnvironment.getApplication()
    private val clipboard = context.getSystemService(ClipboardManager::class.java)!!

    /** The extra's name, spelled out: before Android 13 it has no constant, but launchers already read it. */
    private val sensitiveExtra = "android.content.extra.IS_SENSITIVE"

    @Test
    @Config(sdk = [26, 28, 30, 33, 35])
    fun `a code is copied marked sensitive on every version`() {
        SensitiveClipboard.copy(context, "Countersign", "123456")
        val clip = clipboard.primaryClip!!
        assertEquals("123456", clip.getItemAt(0).text)
        assertTrue(clip.description.extras!!.getBoolean(sensitiveExtra))
    }

    @Test
    @Config(sdk = [26, 33])
    fun `the Protect ID is not`() {
        SensitiveClipboard.copy(context, "Protect ID", "abc", sensitive = false)
        assertFalse(clipboard.primaryClip!!.description.extras?.getBoolean(sensitiveExtra) ?: false)
    }
}
