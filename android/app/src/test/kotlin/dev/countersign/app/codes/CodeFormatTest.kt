package dev.countersign.app.codes

import dev.countersign.app.Text
import dev.countersign.ffi.CodeItem
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/** Pure formatting: a plain JUnit test, no Robolectric. */
class CodeFormatTest {
    private fun item(code: String? = null, left: UInt? = null, counter: ULong? = null, unavailable: String? = null) =
        CodeItem("id", "GitHub", "jane", code, left, left?.let { 30u }, counter, unavailable)

    @Test
    fun `codes are grouped for reading`() {
        assertEquals("123 456", CodeFormat.grouped("123456"))
        assertEquals("1234 5678", CodeFormat.grouped("12345678"))
        assertEquals("12 3XY", CodeFormat.grouped("123XY"))
        assertEquals("1234", CodeFormat.grouped("1234"))
    }

    @Test
    fun `a row says what to show`() {
        assertEquals("123 456", CodeFormat.code(item(code = "123456", left = 12u)))
        assertEquals("12s", CodeFormat.countdown(item(code = "123456", left = 12u)))
        assertEquals(Text.TAP_FOR_CODE, CodeFormat.code(item(counter = 3u)))
        assertEquals("", CodeFormat.countdown(item(counter = 3u)))
        assertEquals("damaged secret", CodeFormat.code(item(unavailable = "damaged secret")))
        assertTrue(CodeFormat.expiring(item(code = "1", left = 5u)))
        assertFalse(CodeFormat.expiring(item(code = "1", left = 6u)))
        assertEquals("GitHub (jane)", CodeFormat.title("GitHub", "jane"))
        assertEquals("jane", CodeFormat.title(null, "jane"))
    }
}
