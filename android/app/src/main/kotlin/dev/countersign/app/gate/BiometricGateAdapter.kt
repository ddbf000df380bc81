package dev.countersign.app.gate

import android.app.Activity
import android.os.CancellationSignal
import android.os.Handler
import android.os.Looper
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.BiometricPrompt
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.resume
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The core's [BiometricPrompt]: [confirm] posts [launcher] to the main thread
 * and suspends until the user answers, so no thread waits meanwhile (and it may
 * be called from any thread, the main one included). First answer wins; no
 * answer within [timeoutMillis], or a cancelled approval, dismisses the prompt;
 * no answer counts as cancelled; a launcher that throws is unavailable.
 */
class BiometricGateAdapter(
    private val launcher: PromptLauncher,
    private val main: Handler = Handler(Looper.getMainLooper()),
    private val timeoutMillis: Long = 120_000,
) : BiometricPrompt {
    constructor(activity: Activity) : this(FrameworkPromptLauncher(activity))

    override suspend fun confirm(reason: String): BiometricOutcome {
        val cancel = CancellationSignal()
        val answer =
            withTimeoutOrNull(timeoutMillis) {
                suspendCancellableCoroutine { continuation ->
                    val answered = AtomicBoolean(false)
                    val done = { result: BiometricOutcome ->
                        if (answered.compareAndSet(false, true)) continuation.resume(result)
                    }
                    continuation.invokeOnCancellation { main.post { cancel.cancel() } }
                    val posted =
                        main.post {
                            try {
                                if (!cancel.isCanceled) launcher.launch(reason, cancel, done)
                            } catch (_: RuntimeException) {
                                done(BiometricOutcome.UNAVAILABLE)
                            }
                        }
                    if (!posted) done(BiometricOutcome.UNAVAILABLE)
                }
            }
        return answer ?: BiometricOutcome.CANCELLED
    }
}
