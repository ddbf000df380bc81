package dev.countersign.app.push

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.os.Bundle
import android.view.View
import android.widget.Toast
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.gate.BiometricGateAdapter
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.userMessage
import dev.countersign.ffi.AnswerResult
import dev.countersign.CountersignException
import dev.countersign.ffi.PushRequestItem
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/**
 * One sign-in request: its details, then Approve (or one button per number when
 * the request asks which number the sign-in page shows), Deny, Deny and report.
 * The core asks [BiometricGateAdapter] when policy wants the user confirmed.
 */
class ApproveActivity : Activity() {
    private val scope = MainScope()
    private val app get() = application as CountersignApp

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val id = PushNotifications.requestIdOf(intent) ?: return finish()
        scope.launch {
            val request =
                try {
                    app.countersign().pending().firstOrNull { it.id == id }
                } catch (error: Exception) {
                    Toast.makeText(this@ApproveActivity, error.userMessage(), Toast.LENGTH_LONG).show()
                    null
                }
            if (request == null) {
                app.notifications.cancel(id)
                Toast.makeText(this@ApproveActivity, Text.REQUEST_GONE, Toast.LENGTH_LONG).show()
                finish()
            } else {
                show(request)
            }
        }
    }

    private fun show(request: PushRequestItem) {
        val status = label()
        val approve: List<View> =
            if (PushNotifications.choosesNumber(request)) {
                request.numberChoices.orEmpty().map { number -> button(number) { approve(request, number, status) } }
            } else {
                listOf(button(Text.APPROVE) { approve(request, null, status) })
            }
        val views =
            listOf(
                label(Text.title(request.kind, request.resourceName), 22f),
                label(PushNotifications.details(request)),
                label(Text.expiresIn(request.secondsLeft)),
            ) + approve +
                listOf(
                    button(Text.DENY) { deny(request, fraud = false, status) },
                    button(Text.REPORT) { deny(request, fraud = true, status) },
                    status,
                )
        setContentView(column(*views.toTypedArray()))
    }

    private fun approve(request: PushRequestItem, number: String?, status: android.widget.TextView) =
        answer(request, status) {
            val gate = BiometricGateAdapter(this)
            it.approve(request.id, number) { reason -> gate.confirm(reason) }
        }

    private fun deny(request: PushRequestItem, fraud: Boolean, status: android.widget.TextView) =
        answer(request, status) { it.deny(request.id, fraud) }

    private fun answer(
        request: PushRequestItem,
        status: android.widget.TextView,
        call: suspend (dev.countersign.Countersign) -> AnswerResult,
    ) {
        scope.launch {
            try {
                val result = call(app.countersign())
                app.notifications.cancel(request.id)
                when (result) {
                    // The sign-in screen now asks for a code only this phone shows.
                    is AnswerResult.ApprovedShowCode -> status.text = "${result.message}: ${result.code}"
                    else -> {
                        Toast.makeText(this@ApproveActivity, if (result == AnswerResult.Approved) Text.APPROVED else Text.DENIED, Toast.LENGTH_SHORT).show()
                        finish()
                    }
                }
            } catch (error: CountersignException.BiometricFailed) {
                if (!error.cancelled) status.text = error.userMessage()
            } catch (error: Exception) {
                status.text = error.userMessage()
            }
        }
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    companion object {
        fun intent(context: Context, requestId: String): Intent =
            Intent(context, ApproveActivity::class.java)
                .setData(PushAction.requestUri(requestId))
                .putExtra(PushAction.EXTRA_REQUEST_ID, requestId)
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP)
    }
}
