package dev.countersign.app.push

import android.content.Context

/**
 * The FCM registration token, sent to a server when this phone enrolls, and
 * whether its last rotation still has to reach a server ([PushTokenSync]).
 */
class PushTokenStore(context: Context) {
    private val prefs = context.getSharedPreferences("countersign.push", Context.MODE_PRIVATE)

    var token: String?
        get() = prefs.getString(KEY, null)
        set(value) {
            prefs.edit().putString(KEY, value).apply()
        }

    var unsent: Boolean
        get() = prefs.getBoolean(UNSENT, false)
        set(value) {
            prefs.edit().putBoolean(UNSENT, value).apply()
        }

    private companion object {
        const val KEY = "fcm_token"
        const val UNSENT = "fcm_token_unsent"
    }
}
