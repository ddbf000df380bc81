package dev.countersign.app.push

import android.content.Context
import android.content.Intent
import android.graphics.Color
import android.os.Bundle
import android.text.InputType
import android.view.View
import android.view.WindowManager
import android.widget.EditText
import android.widget.TextView
import android.widget.Toast
import androidx.activity.ComponentActivity
import androidx.activity.viewModels
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.ViewModel
import androidx.lifecycle.lifecycleScope
import androidx.lifecycle.repeatOnLifecycle
import dev.countersign.CountersignException
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.gate.BiometricGateAdapter
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.dp
import dev.countersign.app.ui.label
import dev.countersign.app.userMessage
import dev.countersign.ffi.AnswerResult
import dev.countersign.ffi.PushRequestItem
import dev.countersign.protocol.RiskLevel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch

/**
 * One sign-in request: its details with a live countdown, then Approve (one
 * button per number when the request lists numbers to pick from, a field when
 * the number must be typed), Deny, Deny and report. A request the server
 * judged risky shows why in a banner above its details. The core asks
 * [BiometricGateAdapter] (or the user key's own prompt) when policy wants the
 * user confirmed. A second request's notification opens it here (singleTop:
 * [onNewIntent]); the request shown and what was typed survive rotation.
 */
class ApproveActivity : ComponentActivity() {
    /** What outlives a rotation: the request shown and when it was loaded. */
    class State : ViewModel() {
        var requestId: String? = null
        var request: PushRequestItem? = null
        var loadedAtMillis: Long = 0
    }

    private val state: State by viewModels()
    private val app get() = application as CountersignApp
    private var numberField: EditText? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // The request's number and details stay out of screenshots and Recents.
        window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        open(PushNotifications.requestIdOf(intent) ?: return finish(), savedInstanceState?.getString(TYPED))
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        val id = PushNotifications.requestIdOf(intent) ?: return
        if (id != state.requestId) open(id, typed = null)
    }

    override fun onSaveInstanceState(outState: Bundle) {
        super.onSaveInstanceState(outState)
        numberField?.let { outState.putString(TYPED, it.text.toString()) }
    }

    private fun open(id: String, typed: String?) {
        val kept = state.request?.takeIf { state.requestId == id }
        if (kept != null) return show(kept, typed)
        state.requestId = id
        state.request = null
        setContentView(column(label(Text.LOADING)))
        lifecycleScope.launch {
            val request =
                try {
                    app.countersign().pending().firstOrNull { it.id == id }
                } catch (error: Exception) {
                    Toast.makeText(this@ApproveActivity, error.userMessage(), Toast.LENGTH_LONG).show()
                    null
                }
            if (state.requestId != id) return@launch // another request arrived meanwhile
            if (request == null) {
                app.notifications.cancel(id)
                Toast.makeText(this@ApproveActivity, Text.REQUEST_GONE, Toast.LENGTH_LONG).show()
                finish()
            } else {
                state.request = request
                state.loadedAtMillis = System.currentTimeMillis()
                show(request, typed)
            }
        }
    }

    private fun show(request: PushRequestItem, typed: String?) {
        val status = label()
        val countdown = label()
        numberField = null
        val approve: List<View> =
            when {
                !request.numberChoices.isNullOrEmpty() ->
                    request.numberChoices.orEmpty().map { number -> button(number) { approve(request, number, status) } }
                PushNotifications.typesNumber(request) -> {
                    val field =
                        EditText(this).apply {
                            hint = Text.TYPE_NUMBER
                            inputType = InputType.TYPE_CLASS_NUMBER
                            contentDescription = Text.TYPE_NUMBER
                            if (typed != null) setText(typed)
                        }
                    numberField = field
                    listOf(field, button(Text.APPROVE) { approve(request, field.text.toString().trim(), status) })
                }
                else -> listOf(button(Text.APPROVE) { approve(request, null, status) })
            }
        val views =
            listOfNotNull(
                label(Text.title(request.kind, request.resourceName), 22f),
                riskBanner(request),
                label(PushNotifications.details(request)),
                countdown,
            ) + approve +
                listOf(
                    button(Text.DENY) { deny(request, fraud = false, status) },
                    button(Text.REPORT) { deny(request, fraud = true, status) },
                    status,
                )
        setContentView(column(*views.toTypedArray()))
        lifecycleScope.launch {
            repeatOnLifecycle(Lifecycle.State.STARTED) {
                while (true) {
                    val left = secondsLeft(request)
                    countdown.text = if (left > 0) Text.expiresIn(left) else Text.EXPIRED
                    if (left <= 0) break
                    delay(1_000)
                }
            }
        }
    }

    /** Orange for medium risk, red for high; none for low. */
    private fun riskBanner(request: PushRequestItem): TextView? {
        val text = PushNotifications.riskBanner(request) ?: return null
        return label(text).apply {
            setTextColor(Color.WHITE)
            setBackgroundColor(if (request.riskLevel == RiskLevel.HIGH) HIGH_RISK else MEDIUM_RISK)
            setPadding(dp(12), dp(8), dp(12), dp(8))
        }
    }

    /** The core's count at loading time, less what has passed since. */
    private fun secondsLeft(request: PushRequestItem): Long =
        request.secondsLeft - (System.currentTimeMillis() - state.loadedAtMillis) / 1_000

    private fun approve(request: PushRequestItem, number: String?, status: TextView) {
        if (PushNotifications.typesNumber(request) && request.numberChoices.isNullOrEmpty() && number.isNullOrEmpty()) {
            status.text = Text.TYPE_NUMBER
            return
        }
        answer(request, status) {
            val gate = BiometricGateAdapter(this)
            it.approve(request.id, number) { reason -> gate.confirm(reason) }
        }
    }

    private fun deny(request: PushRequestItem, fraud: Boolean, status: TextView) =
        answer(request, status) { it.deny(request.id, fraud) }

    private fun answer(
        request: PushRequestItem,
        status: TextView,
        call: suspend (dev.countersign.Countersign) -> AnswerResult,
    ) {
        lifecycleScope.launch {
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

    companion object {
        private const val TYPED = "typed-number"
        private const val MEDIUM_RISK = 0xFFB45309.toInt()
        private const val HIGH_RISK = 0xFFB91C1C.toInt()

        fun intent(context: Context, requestId: String): Intent =
            Intent(context, ApproveActivity::class.java)
                .setData(PushAction.requestUri(requestId))
                .putExtra(PushAction.EXTRA_REQUEST_ID, requestId)
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP)
    }
}
