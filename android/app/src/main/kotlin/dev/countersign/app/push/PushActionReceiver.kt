package dev.countersign.app.push

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import dev.countersign.app.CountersignApp
import kotlinx.coroutines.launch

/** Approve / Deny from a notification: answered in the background via [PushAnswerer]. */
class PushActionReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val action = PushAction.from(intent) ?: return
        val app = context.applicationContext as CountersignApp
        val pending = goAsync()
        app.scope.launch {
            try {
                PushAnswerer(app.countersign(), app.notifications).answer(action)
            } catch (error: Exception) {
                app.notifications.showFinishInApp(action.requestId, error.message ?: "")
            } finally {
                pending.finish()
            }
        }
    }
}
