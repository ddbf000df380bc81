package dev.countersign.app.scan

import android.view.Surface

/** Degrees to turn a sensor frame clockwise so it is upright on the screen. */
object FrameRotation {
    fun degrees(sensorOrientation: Int, displayRotation: Int, frontFacing: Boolean): Int {
        val display =
            when (displayRotation) {
                Surface.ROTATION_90 -> 90
                Surface.ROTATION_180 -> 180
                Surface.ROTATION_270 -> 270
                else -> 0
            }
        return if (frontFacing) (sensorOrientation + display) % 360 else (sensorOrientation - display + 360) % 360
    }
}
