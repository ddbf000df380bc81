package dev.countersign.app.scan

import android.graphics.ImageFormat
import android.media.Image
import dev.countersign.LiveScan
import dev.countersign.ffi.ScanItem

/** The core's frame entry: (width, height, rowStride, rotationDegrees, bytes) → a code or null. */
typealias FrameScanner = (UInt, UInt, UInt, UInt, ByteArray) -> ScanItem?

/**
 * Camera2 YUV_420_888 frames → the core's live [LiveScan]. Only the Y plane is
 * read; its row padding goes to the core as the row stride. One analyzer per
 * camera session, called from one thread (the ImageReader's handler). It
 * counts the frames it read and the time since the first, for the scan's
 * diagnostics event; [nanoTime] is the clock (a test's own).
 */
class QrFrameAnalyzer(private val nanoTime: () -> Long = System::nanoTime, private val scan: FrameScanner) {
    private var reuse: ByteArray? = null

    /** Frames read so far (read from the main thread when the scan ends). */
    @Volatile var frames = 0
        private set

    @Volatile private var firstFrameAt = 0L

    /** Milliseconds from the first frame to now; 0 before any frame. */
    fun millisSinceFirstFrame(): Long = if (frames == 0) 0 else (nanoTime() - firstFrameAt) / 1_000_000

    fun analyze(image: Image, rotationDegrees: Int): ScanItem? {
        require(image.format == ImageFormat.YUV_420_888) { "not a YUV_420_888 frame: ${image.format}" }
        val y = image.planes[0]
        return analyze(y.buffer, y.rowStride, y.pixelStride, image.width, image.height, rotationDegrees)
    }

    fun analyze(plane: java.nio.ByteBuffer, rowStride: Int, pixelStride: Int, width: Int, height: Int, rotationDegrees: Int): ScanItem? {
        if (frames == 0) firstFrameAt = nanoTime()
        frames++
        val frame = LumaFrame.of(plane, rowStride, pixelStride, width, height, reuse)
        if (!plane.hasArray()) reuse = frame.bytes
        return scan(
            frame.width.toUInt(),
            frame.height.toUInt(),
            frame.rowStride.toUInt(),
            rotationDegrees.toUInt(),
            frame.bytes,
        )
    }

    companion object {
        /** Backed by a live core session (needs the native library). */
        fun live(scanner: LiveScan = LiveScan()): QrFrameAnalyzer = QrFrameAnalyzer(scan = scanner::pushFrame)
    }
}
