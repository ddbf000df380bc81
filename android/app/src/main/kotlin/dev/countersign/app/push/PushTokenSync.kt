package dev.countersign.app.push

import android.content.Context

/**
 * Keeps every enrolled server told the phone's current FCM token. A rotation
 * that could not reach a server (offline, server down) stays marked unsent and
 * is sent again at the next start, so the server does not keep pushing to a
 * token FCM no longer delivers to (it would fall back to polling only after
 * its next push failed).
 *
 * [update] is the core's updatePushToken: it tells every enrolled server and
 * returns the accounts it could not reach; it throws when the vault is unusable.
 */
class PushTokenSync(context: Context, private val update: suspend (String?) -> List<*>) {
    private val store = PushTokenStore(context)

    /** FCM gave a new token (onNewToken). */
    suspend fun rotated(token: String) {
        store.token = token
        store.unsent = true
        send(token)
    }

    /** At start: sends a rotation that did not reach every server last time. */
    suspend fun retryIfUnsent() {
        if (store.unsent) send(store.token)
    }

    private suspend fun send(token: String?) {
        val unreached = runCatching { update(token) }.getOrNull()
        store.unsent = unreached == null || unreached.isNotEmpty()
    }
}
