package dev.countersign.app.push

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.graphics.drawable.Icon
import android.os.Build
import dev.countersign.app.Text
import dev.countersign.ffi.PushRequestItem
import dev.countersign.protocol.RiskLevel
import java.text.DateFormat
import java.util.Date

/**
 * Sign-in requests as notifications on the "push" channel. Approve is offered
 * inline only when nothing more is needed; a request that needs a number chosen
 * or the user confirmed (biometric policy), or that the server judged risky,
 * opens [ApproveActivity] instead. A risky request's expanded text starts with
 * the same warning the approval screen shows. The lock screen sees only a
 * generic public version.
 */
class PushNotifications(private val context: Context) {
    private val manager = checkNotNull(context.getSystemService(NotificationManager::class.java))

    fun ensureChannel() {
        val channel = NotificationChannel(CHANNEL, Text.CHANNEL_NAME, NotificationManager.IMPORTANCE_HIGH)
        channel.description = Text.CHANNEL_DESCRIPTION
        channel.lockscreenVisibility = Notification.VISIBILITY_PRIVATE
        manager.createNotificationChannel(channel)
    }

    fun build(request: PushRequestItem): Notification {
        val inApp = needsApp(request)
        val builder =
            Notification.Builder(context, CHANNEL)
                .setSmallIcon(android.R.drawable.ic_lock_idle_lock)
                .setContentTitle(Text.title(request.kind, request.resourceName))
                .setContentText(summary(request))
                .setStyle(Notification.BigTextStyle().bigText(listOfNotNull(riskBanner(request), details(request)).joinToString("\n")))
                .setWhen(request.issuedAt * 1000)
                .setShowWhen(true)
                .setTimeoutAfter(maxOf(request.secondsLeft, 1) * 1000)
                .setVisibility(Notification.VISIBILITY_PRIVATE)
                .setPublicVersion(publicVersion())
                .setCategory(Notification.CATEGORY_MESSAGE)
                .setOnlyAlertOnce(true)
                .setAutoCancel(true)
                .setContentIntent(openApp(request.id))
        if (!inApp) builder.addAction(action(request.id, approve = true))
        builder.addAction(action(request.id, approve = false))
        if (inApp) {
            builder.setSubText(if (choosesNumber(request)) Text.CHOOSE_NUMBER else Text.CONFIRM_IN_APP)
        }
        return builder.build()
    }

    fun show(request: PushRequestItem) = manager.notify(request.id, PUSH_ID, build(request))

    /** An inline answer could not finish (number, biometric, network): continue in the app. */
    fun showFinishInApp(requestId: String, reason: String) {
        val notification =
            Notification.Builder(context, CHANNEL)
                .setSmallIcon(android.R.drawable.ic_lock_idle_lock)
                .setContentTitle(Text.FINISH_IN_APP)
                .setContentText(reason)
                .setContentIntent(openApp(requestId))
                .setAutoCancel(true)
                .build()
        manager.notify(requestId, PUSH_ID, notification)
    }

    /** Approved, and the sign-in screen asks for a code only this phone shows. */
    fun showCode(requestId: String, message: String, code: String) {
        val notification =
            Notification.Builder(context, CHANNEL)
                .setSmallIcon(android.R.drawable.ic_lock_idle_lock)
                .setContentTitle("$message: $code")
                .setContentText(code)
                .setVisibility(Notification.VISIBILITY_PRIVATE)
                .setTimeoutAfter(CODE_TIMEOUT_MILLIS)
                .build()
        manager.notify(requestId, PUSH_ID, notification)
    }

    fun cancel(requestId: String) = manager.cancel(requestId, PUSH_ID)

    private fun publicVersion(): Notification =
        Notification.Builder(context, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_lock_idle_lock)
            .setContentTitle(Text.PUBLIC_TITLE)
            .build()

    private fun action(requestId: String, approve: Boolean): Notification.Action {
        val intent = PushAction(requestId, approve).toIntent(context)
        val pending = PendingIntent.getBroadcast(context, 0, intent, PENDING_FLAGS)
        val icon =
            Icon.createWithResource(
                context,
                if (approve) android.R.drawable.ic_menu_send else android.R.drawable.ic_menu_close_clear_cancel,
            )
        val builder = Notification.Action.Builder(icon, if (approve) Text.APPROVE else Text.DENY, pending)
        // Approving from a locked phone must first unlock it (Android 12+; older
        // versions run the action without asking, which is why Approve is inline
        // only for requests the policy lets anyone holding the phone answer).
        if (approve && Build.VERSION.SDK_INT >= 31) builder.setAuthenticationRequired(true)
        return builder.build()
    }

    private fun openApp(requestId: String): PendingIntent =
        PendingIntent.getActivity(context, 0, ApproveActivity.intent(context, requestId), PENDING_FLAGS)

    companion object {
        const val CHANNEL = "push"
        const val PUSH_ID = 1
        /** A sign-in screen waits minutes at most for the code. */
        const val CODE_TIMEOUT_MILLIS = 5 * 60 * 1000L
        const val PENDING_FLAGS = PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT

        fun choosesNumber(request: PushRequestItem): Boolean =
            typesNumber(request) || !request.numberChoices.isNullOrEmpty()

        /**
         * A number must be typed: the server asks for number matching, or
         * judged the request medium or high risk (the core then refuses an
         * approval without a number, as it tells the Watch).
         */
        fun typesNumber(request: PushRequestItem): Boolean =
            request.numberMatching || request.riskLevel != RiskLevel.LOW

        /** The warning a medium- or high-risk request shows; null for low risk. */
        fun riskBanner(request: PushRequestItem): String? = Text.riskBanner(request.riskLevel, request.riskReasons)

        /** True when the answer needs a screen (the core's rule, shared with iOS). */
        fun needsApp(request: PushRequestItem): Boolean = !request.answerInline

        fun summary(request: PushRequestItem): String = "${request.user} · ${request.org}"

        fun details(request: PushRequestItem): String =
            listOfNotNull(
                summary(request),
                request.message,
                listOfNotNull(request.location, request.ip).joinToString(" · ").ifEmpty { null },
                listOfNotNull(request.browser, request.os).joinToString(" on ").ifEmpty { null },
                DateFormat.getTimeInstance(DateFormat.SHORT).format(Date(request.time * 1000)),
                if (request.burst > 1u) Text.burst(request.burst) else null,
            ).joinToString("\n")

        /** Opening the app from a notification: [Intent] extras name the request. */
        fun requestIdOf(intent: Intent?): String? = intent?.getStringExtra(PushAction.EXTRA_REQUEST_ID)
    }
}
