package dev.countersign.app.scan

import android.content.Context
import android.content.Intent
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.graphics.Path
import android.os.Bundle
import android.view.Gravity
import android.view.View
import android.widget.LinearLayout
import androidx.activity.ComponentActivity
import dev.countersign.app.Text
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.dp
import dev.countersign.app.ui.label

/**
 * The end of a push enrollment: a green check, who this phone now approves
 * sign-ins for, and Done. What it shows comes from its intent, so a rotation
 * keeps it.
 */
class EnrolledActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = Text.ENROLLED_TITLE
        val org = intent.getStringExtra(EXTRA_ORG).orEmpty()
        val user = intent.getStringExtra(EXTRA_USER).orEmpty()
        val check = GreenCheck(this).apply {
            contentDescription = Text.ENROLLED_TITLE
            layoutParams = LinearLayout.LayoutParams(dp(96), dp(96)).apply { gravity = Gravity.CENTER_HORIZONTAL }
        }
        setContentView(
            column(
                check,
                label(Text.ENROLLED_TITLE, 22f).apply { gravity = Gravity.CENTER_HORIZONTAL },
                label("${Text.ENROLLED} $org").apply { gravity = Gravity.CENTER_HORIZONTAL },
                label(user).apply { gravity = Gravity.CENTER_HORIZONTAL },
                label(Text.ENROLLED_NEXT),
                button(Text.DONE) { finish() },
            ),
        )
    }

    /** A filled green circle with a white tick. */
    private class GreenCheck(context: Context) : View(context) {
        private val circle = Paint(Paint.ANTI_ALIAS_FLAG).apply { color = Color.rgb(0x1e, 0x8e, 0x3e) }
        private val tick = Paint(Paint.ANTI_ALIAS_FLAG).apply {
            color = Color.WHITE
            style = Paint.Style.STROKE
            strokeCap = Paint.Cap.ROUND
            strokeJoin = Paint.Join.ROUND
        }

        override fun onDraw(canvas: Canvas) {
            val size = minOf(width, height).toFloat()
            canvas.drawCircle(width / 2f, height / 2f, size / 2f, circle)
            tick.strokeWidth = size / 12f
            val path = Path().apply {
                moveTo(width / 2f - size * 0.22f, height / 2f)
                lineTo(width / 2f - size * 0.06f, height / 2f + size * 0.16f)
                lineTo(width / 2f + size * 0.24f, height / 2f - size * 0.16f)
            }
            canvas.drawPath(path, tick)
        }
    }

    companion object {
        private const val EXTRA_ORG = "dev.countersign.app.extra.ORG"
        private const val EXTRA_USER = "dev.countersign.app.extra.USER"

        fun intent(context: Context, org: String, user: String): Intent =
            Intent(context, EnrolledActivity::class.java).putExtra(EXTRA_ORG, org).putExtra(EXTRA_USER, user)
    }
}
