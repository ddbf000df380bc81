package dev.countersign.app.ui

import android.content.ClipData
import android.content.ClipDescription
import android.content.ClipboardManager
import android.content.Context
import android.os.Build
import android.os.PersistableBundle

/**
 * Copies a code marked sensitive, so Android 13+ hides it in the clipboard
 * preview and keyboards do not suggest it. Before 13 the same extra is honoured
 * by some keyboards and ignored by the rest.
 */
object SensitiveClipboard {
    /** ClipDescription.EXTRA_IS_SENSITIVE, spelled out for API < 33. */
    const val EXTRA_IS_SENSITIVE = "android.content.extra.IS_SENSITIVE"

    fun clip(label: String, text: String, sensitive: Boolean = true): ClipData =
        ClipData.newPlainText(label, text).apply {
            if (sensitive) {
                val key =
                    if (Build.VERSION.SDK_INT >= 33) ClipDescription.EXTRA_IS_SENSITIVE else EXTRA_IS_SENSITIVE
                description.extras = PersistableBundle().apply { putBoolean(key, true) }
            }
        }

    fun copy(context: Context, label: String, text: String, sensitive: Boolean = true) {
        context.getSystemService(ClipboardManager::class.java)?.setPrimaryClip(clip(label, text, sensitive))
    }
}
