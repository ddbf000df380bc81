package dev.countersign.app.gate

import android.app.Activity
import android.os.CancellationSignal
import android.os.Handler
import android.os.Looper
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.BiometricPrompt
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference

/**
 * The core's [BiometricPrompt]: the core calls [confirm] on one of its worker
 * threads and blocks until the user answers; this posts [launcher] to the main
 * thread and waits. First answer wins; no answer within [timeoutMillis] cancels
 * the prompt and counts as cancelled; a launcher that throws is unavailable.
 */
class BiometricGateAdapter(
    private val launcher: PromptLauncher,
    private val main: Handler = Handler(Looper.getMainLooper()),
    private val timeoutMillis: Long = 120_000,
) : BiometricPrompt {
    constructor(activity: Activity) : this(FrameworkPromptLauncher(activity))

    override fun confirm(reason: String): BiometricOutcome {
        // Waiting on the main thread for a prompt shown on the main thread would hang.
        if (Looper.myLooper() == main.looper) return BiometricOutcome.UNAVAILABLE
        val outcome = AtomicReference<BiometricOutcome>()
        val answered = CountDownLatch(1)
        val done = { result: BiometricOutcome ->
            if (outcome.compareAndSet(null, result)) answered.countDown()
        }
        val cancel = CancellationSignal()
        val posted =
            main.post {
                try {
                    if (!cancel.isCanceled) launcher.launch(reason, cancel, done)
                } catch (_: RuntimeException) {
                    done(BiometricOutcome.UNAVAILABLE)
                }
            }
        if (!posted) return BiometricOutcome.UNAVAILABLE
        val inTime =
            try {
                answered.await(timeoutMillis, TimeUnit.MILLISECONDS)
            } catch (_: InterruptedException) {
                Thread.currentThread().interrupt()
                false
            }
        if (!inTime) {
            done(BiometricOutcome.CANCELLED)
            main.post { cancel.cancel() }
        }
        return outcome.get()
    }
}
