package dev.countersign.app.scan

import java.nio.ByteBuffer

/**
 * A luma plane ready for the core: [bytes] holds [height] rows [rowStride]
 * apart, the last one possibly only [width] long (camera HALs omit its padding).
 */
class LumaFrame(val bytes: ByteArray, val width: Int, val height: Int, val rowStride: Int) {
    companion object {
        /**
         * The plane's bytes with their row padding kept (the core skips it), so
         * rowStride > width costs no repacking. A heap buffer that starts at its
         * array's first byte is passed as is; a direct buffer (the camera's) is
         * copied once into [reuse] when it fits. Only a pixelStride > 1 plane
         * (never the Y plane of YUV_420_888) is repacked.
         */
        fun of(plane: ByteBuffer, rowStride: Int, pixelStride: Int, width: Int, height: Int, reuse: ByteArray?): LumaFrame {
            require(width > 0 && height > 0) { "empty frame $width×$height" }
            require(pixelStride >= 1 && rowStride >= (width - 1) * pixelStride + 1) {
                "row stride $rowStride too small for $width pixels of stride $pixelStride"
            }
            val source = plane.duplicate()
            val needed = rowStride * (height - 1) + (width - 1) * pixelStride + 1
            require(source.remaining() >= needed) { "plane has ${source.remaining()} bytes, needs $needed" }
            if (pixelStride != 1) return packed(source, rowStride, pixelStride, width, height)
            if (source.hasArray() && source.arrayOffset() + source.position() == 0) {
                return LumaFrame(source.array(), width, height, rowStride)
            }
            val bytes = if (reuse != null && reuse.size == needed) reuse else ByteArray(needed)
            source.get(bytes, 0, needed)
            return LumaFrame(bytes, width, height, rowStride)
        }

        private fun packed(source: ByteBuffer, rowStride: Int, pixelStride: Int, width: Int, height: Int): LumaFrame {
            val bytes = ByteArray(width * height)
            val start = source.position()
            for (y in 0 until height) {
                for (x in 0 until width) bytes[y * width + x] = source.get(start + y * rowStride + x * pixelStride)
            }
            return LumaFrame(bytes, width, height, width)
        }
    }
}
