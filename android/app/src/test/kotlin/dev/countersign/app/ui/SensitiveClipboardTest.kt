package dev.countersign.app.ui

import android.content.ClipDescription
import android.content.ClipboardManager
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment

@RunWith(RobolectricTestRunner::class)
class SensitiveClipboardTest {
    private val context = RuntimeEnvironment.getApplication()
    private val clipboard = context.getSystemService(ClipboardManager::class.java)!!

    @Test
    fun `a code is copied marked sensitive`() {
        SensitiveClipboard.copy(context, "Countersign", "123456")
        val clip = clipboard.primaryClip!!
        assertEquals("123456", clip.getItemAt(0).text)
        assertTrue(clip.description.extras!!.getBoolean(ClipDescription.EXTRA_IS_SENSITIVE))
    }

    @Test
    fun `the Protect ID is not`() {
        SensitiveClipboard.copy(context, "Protect ID", "abc", sensitive = false)
        assertFalse(clipboard.primaryClip!!.description.extras?.getBoolean(ClipDescription.EXTRA_IS_SENSITIVE) ?: false)
    }

    @Test
    fun `before Android 13 the same extra is set by name`() {
        assertEquals(ClipDescription.EXTRA_IS_SENSITIVE, SensitiveClipboard.EXTRA_IS_SENSITIVE)
    }
}
