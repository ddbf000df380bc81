package dev.countersign.app.gate

import android.hardware.biometrics.BiometricPrompt.BIOMETRIC_ERROR_HW_NOT_PRESENT
import android.hardware.biometrics.BiometricPrompt.BIOMETRIC_ERROR_LOCKOUT
import android.hardware.biometrics.BiometricPrompt.BIOMETRIC_ERROR_LOCKOUT_PERMANENT
import android.hardware.biometrics.BiometricPrompt.BIOMETRIC_ERROR_NEGATIVE_BUTTON
import android.hardware.biometrics.BiometricPrompt.BIOMETRIC_ERROR_NO_BIOMETRICS
import android.hardware.biometrics.BiometricPrompt.BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL
import android.hardware.biometrics.BiometricPrompt.BIOMETRIC_ERROR_TIMEOUT
import android.hardware.biometrics.BiometricPrompt.BIOMETRIC_ERROR_USER_CANCELED
import android.os.CancellationSignal
import android.os.Looper
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.BiometricOutcome.CANCELLED
import dev.countersign.ffi.BiometricOutcome.FAILED
import dev.countersign.ffi.BiometricOutcome.PASSED
import dev.countersign.ffi.BiometricOutcome.UNAVAILABLE
import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf

@RunWith(RobolectricTestRunner::class)
class BiometricGateAdapterTest {
    /** The core calls confirm() on its own thread; the test thread is the main looper. */
    private fun confirmOffMain(adapter: BiometricGateAdapter): BiometricOutcome {
        val pool = Executors.newSingleThreadExecutor()
        try {
            val answer = pool.submit(Callable { runBlocking { adapter.confirm("Approve sign-in to Salesforce") } })
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
            while (!answer.isDone && System.nanoTime() < deadline) {
                shadowOf(Looper.getMainLooper()).idle()
                Thread.sleep(5)
            }
            return answer.get(1, TimeUnit.SECONDS)
        } finally {
            pool.shutdownNow()
        }
    }

    private fun answering(vararg outcomes: BiometricOutcome) =
        BiometricGateAdapter({ _, _, done -> outcomes.forEach(done) })

    @Test
    fun `the prompt's answer is the gate's answer`() {
        assertEquals(PASSED, confirmOffMain(answering(PASSED)))
        assertEquals(FAILED, confirmOffMain(answering(FAILED)))
        assertEquals(CANCELLED, confirmOffMain(answering(CANCELLED)))
        assertEquals(UNAVAILABLE, confirmOffMain(answering(UNAVAILABLE)))
    }

    @Test
    fun `the first answer wins`() {
        assertEquals(CANCELLED, confirmOffMain(answering(CANCELLED, PASSED)))
    }

    @Test
    fun `the prompt is shown on the main thread with the core's reason`() {
        var seen: Pair<String, Boolean>? = null
        val adapter = BiometricGateAdapter({ reason, _, done ->
            seen = reason to (Looper.myLooper() == Looper.getMainLooper())
            done(PASSED)
        })
        confirmOffMain(adapter)
        assertEquals("Approve sign-in to Salesforce" to true, seen)
    }

    @Test
    fun `a launcher that throws is unavailable, never a pass`() {
        val adapter = BiometricGateAdapter({ _, _, _ -> throw IllegalStateException("no window") })
        assertEquals(UNAVAILABLE, confirmOffMain(adapter))
    }

    @Test
    fun `no answer in time cancels the prompt and counts as cancelled`() {
        var signal: CancellationSignal? = null
        val adapter = BiometricGateAdapter({ _, cancel, _ -> signal = cancel }, timeoutMillis = 200)
        assertEquals(CANCELLED, confirmOffMain(adapter))
        shadowOf(Looper.getMainLooper()).idle()
        assertTrue(signal!!.isCanceled)
    }

    @Test
    fun `called on the main thread it suspends instead of blocking it`() {
        // Started on the main thread: the prompt can only be shown (and so
        // answered) if confirm gives the main thread back while it waits.
        val answer = CoroutineScope(Dispatchers.Unconfined).async { answering(PASSED).confirm("reason") }
        assertTrue(!answer.isCompleted)
        shadowOf(Looper.getMainLooper()).idle()
        assertTrue(answer.isCompleted)
        assertEquals(PASSED, runBlocking { answer.await() })
    }

    @Test
    fun `a cancelled approval dismisses the prompt`() {
        var signal: CancellationSignal? = null
        val adapter = BiometricGateAdapter({ _, cancel, _ -> signal = cancel })
        val answer = CoroutineScope(Dispatchers.Unconfined).async { adapter.confirm("reason") }
        shadowOf(Looper.getMainLooper()).idle()
        assertTrue(!signal!!.isCanceled)
        answer.cancel()
        shadowOf(Looper.getMainLooper()).idle()
        assertTrue(signal!!.isCanceled)
    }

    @Test
    fun `platform errors map to the core's outcomes`() {
        assertEquals(CANCELLED, GateOutcomes.fromError(BIOMETRIC_ERROR_USER_CANCELED))
        assertEquals(CANCELLED, GateOutcomes.fromError(BIOMETRIC_ERROR_NEGATIVE_BUTTON))
        assertEquals(CANCELLED, GateOutcomes.fromError(BIOMETRIC_ERROR_TIMEOUT))
        assertEquals(UNAVAILABLE, GateOutcomes.fromError(BIOMETRIC_ERROR_NO_BIOMETRICS))
        assertEquals(UNAVAILABLE, GateOutcomes.fromError(BIOMETRIC_ERROR_HW_NOT_PRESENT))
        assertEquals(UNAVAILABLE, GateOutcomes.fromError(BIOMETRIC_ERROR_NO_DEVICE_CREDENTIAL))
        assertEquals(FAILED, GateOutcomes.fromError(BIOMETRIC_ERROR_LOCKOUT))
        assertEquals(FAILED, GateOutcomes.fromError(BIOMETRIC_ERROR_LOCKOUT_PERMANENT))
        assertEquals(FAILED, GateOutcomes.fromError(9999)) // a code from a later Android
        assertEquals(PASSED, GateOutcomes.fromKeyguardResult(android.app.Activity.RESULT_OK))
        assertEquals(CANCELLED, GateOutcomes.fromKeyguardResult(android.app.Activity.RESULT_CANCELED))
    }
}
