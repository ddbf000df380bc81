package dev.countersign.app.codes

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.graphics.RectF
import android.view.View
import dev.countersign.app.ui.dp

/** The time a code has left, as a shrinking ring (red in its last seconds). */
class CountdownRing(context: Context) : View(context) {
    /** 1 when the code is new, 0 when it changes. */
    var fraction: Float = 0f
        private set
    var expiring: Boolean = false
        private set

    private val track = Paint(Paint.ANTI_ALIAS_FLAG).apply { style = Paint.Style.STROKE; color = Color.LTGRAY }
    private val arc = Paint(Paint.ANTI_ALIAS_FLAG).apply { style = Paint.Style.STROKE }
    private val bounds = RectF()

    fun show(secondsLeft: UInt?, period: UInt?) {
        fraction = if (secondsLeft == null || period == null || period == 0u) 0f else secondsLeft.toFloat() / period.toFloat()
        expiring = secondsLeft != null && secondsLeft <= 5u
        visibility = if (secondsLeft == null) INVISIBLE else VISIBLE
        invalidate()
    }

    override fun onMeasure(widthMeasureSpec: Int, heightMeasureSpec: Int) {
        val size = context.dp(28)
        setMeasuredDimension(size, size)
    }

    override fun onDraw(canvas: Canvas) {
        val stroke = context.dp(3).toFloat()
        track.strokeWidth = stroke
        arc.strokeWidth = stroke
        arc.color = if (expiring) Color.RED else Color.rgb(0x1a, 0x73, 0xe8)
        bounds.set(stroke, stroke, width - stroke, height - stroke)
        canvas.drawOval(bounds, track)
        canvas.drawArc(bounds, -90f, 360f * fraction, false, arc)
    }
}
