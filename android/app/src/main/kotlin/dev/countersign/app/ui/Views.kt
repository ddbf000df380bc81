package dev.countersign.app.ui

import android.content.Context
import android.view.View
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView

/** The few view builders the code-built screens share (no XML layouts: no aapt in CI). */
fun Context.dp(value: Int): Int = (value * resources.displayMetrics.density).toInt()

fun Context.column(vararg children: View): LinearLayout =
    LinearLayout(this).apply {
        orientation = LinearLayout.VERTICAL
        setPadding(dp(16), dp(16), dp(16), dp(16))
        children.forEach(::addView)
    }

fun Context.row(vararg children: View): LinearLayout =
    LinearLayout(this).apply {
        orientation = LinearLayout.HORIZONTAL
        children.forEach(::addView)
    }

fun Context.label(text: CharSequence = "", sizeSp: Float = 16f): TextView =
    TextView(this).apply {
        this.text = text
        textSize = sizeSp
        setPadding(0, dp(4), 0, dp(4))
    }

fun Context.button(text: CharSequence, onClick: () -> Unit): Button =
    Button(this).apply {
        this.text = text
        setOnClickListener { onClick() }
    }
