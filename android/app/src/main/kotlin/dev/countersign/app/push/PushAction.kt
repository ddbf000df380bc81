package dev.countersign.app.push

import android.content.Context
import android.content.Intent
import android.net.Uri

/** An Approve or Deny tapped on a notification, as carried by its intent. */
data class PushAction(val requestId: String, val approve: Boolean) {
    fun toIntent(context: Context): Intent =
        Intent(context, PushActionReceiver::class.java)
            .setAction(if (approve) APPROVE else DENY)
            // PendingIntents compare action + data, not extras: one per request.
            .setData(requestUri(requestId))
            .putExtra(EXTRA_REQUEST_ID, requestId)

    companion object {
        const val APPROVE = "dev.countersign.app.action.APPROVE"
        const val DENY = "dev.countersign.app.action.DENY"
        const val EXTRA_REQUEST_ID = "dev.countersign.app.extra.REQUEST_ID"

        fun requestUri(requestId: String): Uri =
            Uri.Builder().scheme("countersign").authority("push-request").appendPath(requestId).build()

        fun from(intent: Intent?): PushAction? {
            val id = intent?.getStringExtra(EXTRA_REQUEST_ID)?.takeIf { it.isNotEmpty() } ?: return null
            return when (intent.action) {
                APPROVE -> PushAction(id, approve = true)
                DENY -> PushAction(id, approve = false)
                else -> null
            }
        }
    }
}
