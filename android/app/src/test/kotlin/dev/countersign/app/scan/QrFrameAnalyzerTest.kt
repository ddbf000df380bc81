package dev.countersign.app.scan

import android.view.Surface
import dev.countersign.ffi.ScanItem
import dev.countersign.ffi.ScanKind
import java.nio.ByteBuffer
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertSame
import org.junit.Assert.assertThrows
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner

@RunWith(RobolectricTestRunner::class)
class QrFrameAnalyzerTest {
    private class Call(val width: UInt, val height: UInt, val stride: UInt, val rotation: UInt, val bytes: ByteArray)

    private val calls = mutableListOf<Call>()
    private val analyzer = QrFrameAnalyzer { w, h, s, r, b -> calls += Call(w, h, s, r, b); null }

    /** A plane like a camera HAL's: [height] rows [stride] apart, the last without padding. */
    private fun plane(width: Int, height: Int, stride: Int, direct: Boolean): ByteBuffer {
        val size = stride * (height - 1) + width
        val buffer = if (direct) ByteBuffer.allocateDirect(size) else ByteBuffer.allocate(size)
        for (y in 0 until height) for (x in 0 until width) buffer.put(y * stride + x, (y * 16 + x).toByte())
        return buffer
    }

    @Test
    fun `padded rows go to the core as the row stride, without repacking`() {
        val buffer = plane(width = 6, height = 4, stride = 8, direct = false)
        assertNull(analyzer.analyze(buffer, 8, 1, 6, 4, 90))
        val call = calls.single()
        assertEquals(listOf(6u, 4u, 8u, 90u), listOf(call.width, call.height, call.stride, call.rotation))
        assertSame("a heap plane is passed as is", buffer.array(), call.bytes)
    }

    @Test
    fun `a direct plane is copied once into a buffer reused across frames`() {
        val first = plane(width = 6, height = 4, stride = 8, direct = true)
        analyzer.analyze(first, 8, 1, 6, 4, 0)
        analyzer.analyze(plane(width = 6, height = 4, stride = 8, direct = true), 8, 1, 6, 4, 0)
        assertEquals(8 * 3 + 6, calls[0].bytes.size)
        assertEquals(first, ByteBuffer.wrap(calls[0].bytes))
        assertSame(calls[0].bytes, calls[1].bytes)
        assertEquals(0, first.position())
    }

    @Test
    fun `a plane with a pixel stride is packed`() {
        val buffer = ByteBuffer.allocate(2 * 2 * 3)
        for (i in 0 until buffer.capacity()) buffer.put(i, i.toByte())
        val frame = LumaFrame.of(buffer, rowStride = 6, pixelStride = 2, width = 3, height = 2, reuse = null)
        assertEquals(3, frame.rowStride)
        assertArrayEquals(byteArrayOf(0, 2, 4, 6, 8, 10), frame.bytes)
    }

    @Test
    fun `a plane too small for its geometry is refused before the core sees it`() {
        val short = ByteBuffer.allocate(8 * 3 + 5)
        assertThrows(IllegalArgumentException::class.java) { analyzer.analyze(short, 8, 1, 6, 4, 0) }
        assertThrows(IllegalArgumentException::class.java) { analyzer.analyze(ByteBuffer.allocate(64), 4, 1, 6, 4, 0) }
        assertEquals(0, calls.size)
    }

    @Test
    fun `the core's answer is returned`() {
        val item = ScanItem("otpauth://totp/x?secret=AAAA", ScanKind.OTPAUTH, null, emptyList())
        val found = QrFrameAnalyzer { _, _, _, _, _ -> item }.analyze(plane(4, 4, 4, false), 4, 1, 4, 4, 0)
        assertSame(item, found)
    }

    @Test
    fun `rotation follows the sensor and the display`() {
        assertEquals(90, FrameRotation.degrees(90, Surface.ROTATION_0, frontFacing = false))
        assertEquals(0, FrameRotation.degrees(90, Surface.ROTATION_90, frontFacing = false))
        assertEquals(180, FrameRotation.degrees(90, Surface.ROTATION_270, frontFacing = false))
        assertEquals(0, FrameRotation.degrees(270, Surface.ROTATION_90, frontFacing = true))
    }
}
