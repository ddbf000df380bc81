package dev.countersign.app

import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.TextView
import org.robolectric.Shadows.shadowOf

/**
 * Screen tests' shared moves. The core is opened on an IO thread, so a
 * screen's first state arrives after a few main-looper turns: [idleUntil]
 * runs the looper until the condition holds, at most 5 s.
 */
fun idleUntil(done: () -> Boolean) {
    val deadline = System.nanoTime() + 5_000_000_000
    while (true) {
        shadowOf(Looper.getMainLooper()).idle()
        if (done() || System.nanoTime() > deadline) return
        Thread.sleep(5)
    }
}

/** Every text shown below [view], in layout order. */
fun texts(view: View): List<String> =
    when (view) {
        is ViewGroup -> (0 until view.childCount).flatMap { texts(view.getChildAt(it)) }
        is TextView -> listOf(view.text.toString())
        else -> emptyList()
    }

/** The first [type] view below [view] (itself included) that passes [test]. */
fun <T : View> find(view: View, type: Class<T>, test: (T) -> Boolean = { true }): T? =
    when {
        type.isInstance(view) && test(type.cast(view)) -> type.cast(view)
        view is ViewGroup -> (0 until view.childCount).firstNotNullOfOrNull { find(view.getChildAt(it), type, test) }
        else -> null
    }

/** The button labelled [label] below [view]. */
fun button(view: View, label: String): Button? = find(view, Button::class.java) { it.text.toString() == label }
