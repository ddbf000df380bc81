package dev.countersign.app

import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kotlinx.coroutines.runBlocking

/**
 * FCM's entry point, and the app's only Firebase code (compiled by Gradle only:
 * Firebase lives on Google's Maven). Everything it does is in PushPayloadHandler,
 * which CI compiles and tests. onMessageReceived runs on a background thread
 * with ~20 s to finish, so blocking here is allowed.
 */
class CountersignMessagingService : FirebaseMessagingService() {
    override fun onMessageReceived(message: RemoteMessage) {
        val app = application as CountersignApp
        runBlocking { runCatching { app.pushPayloadHandler().handle(message.data) } }
    }

    override fun onNewToken(token: String) {
        // Every enrolled server (Countersign and privacyIDEA) learns the new token;
        // one that cannot be reached now hears it at the app's next start.
        val app = application as CountersignApp
        runBlocking { app.pushTokenSync().rotated(token) }
    }
}
