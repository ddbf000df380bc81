package dev.countersign.app.push

import dev.countersign.Countersign
import dev.countersign.CountersignException
import dev.countersign.ffi.PushRequestItem
import org.json.JSONObject

/**
 * What FCM delivered (RemoteMessage.data) → the core → notifications. A data
 * message that carries the challenge is verified and shown at once; a wake-up
 * (or one that fails to verify) makes the core fetch what is waiting, which is
 * the source of truth. Errors are swallowed: push is best effort.
 */
class PushPayloadHandler(private val core: Countersign, private val notifications: PushNotifications) {
    suspend fun handle(data: Map<String, String>): List<PushRequestItem> {
        val delivered =
            try {
                core.handlePushPayload(toJson(data))
            } catch (_: CountersignException) {
                null
            }
        val requests =
            if (delivered != null) {
                listOf(delivered)
            } else {
                try {
                    core.pending()
                } catch (_: CountersignException) {
                    emptyList()
                }
            }
        requests.forEach(notifications::show)
        return requests
    }

    companion object {
        /** The data map as the JSON object the core reads (FCM keys at the top level). */
        fun toJson(data: Map<String, String>): ByteArray = JSONObject(data as Map<*, *>).toString().toByteArray()
    }
}
