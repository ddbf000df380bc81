package dev.countersign.app.push

import dev.countersign.Countersign
import dev.countersign.CountersignException
import dev.countersign.app.userMessage
import dev.countersign.ffi.AnswerResult
import dev.countersign.ffi.BiometricOutcome

/**
 * Answers a request from a notification button, without a screen. The core
 * decides whether that is enough: if it wants a number or the user confirmed,
 * the gate below says "unavailable" and the notification turns into "open the app".
 */
class PushAnswerer(private val core: Countersign, private val notifications: PushNotifications) {
    suspend fun answer(action: PushAction): AnswerResult? =
        try {
            val result =
                if (action.approve) {
                    core.approve(action.requestId, null) { BiometricOutcome.UNAVAILABLE }
                } else {
                    core.deny(action.requestId, false)
                }
            if (result is AnswerResult.ApprovedShowCode) {
                notifications.showCode(action.requestId, result.message, result.code)
            } else {
                notifications.cancel(action.requestId)
            }
            result
        } catch (error: CountersignException) {
            when (error) {
                is CountersignException.AlreadyAnswered, is CountersignException.Expired, is CountersignException.NotFound ->
                    notifications.cancel(action.requestId)
                else -> notifications.showFinishInApp(action.requestId, error.userMessage())
            }
            null
        }
}
