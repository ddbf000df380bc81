package dev.countersign.app.gate

import android.app.Activity
import android.app.KeyguardManager
import android.content.Intent
import android.os.Bundle
import dev.countersign.app.Text
import dev.countersign.ffi.BiometricOutcome
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger

/**
 * Android 8.x: shows the screen-lock confirmation and hands its result to the
 * waiting gate. Invisible itself (translucent theme in the manifest).
 */
class ConfirmCredentialActivity : Activity() {
    private var token = 0

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        token = intent.getIntExtra(EXTRA_TOKEN, 0)
        if (savedInstanceState != null) return // the confirmation is already up
        val keyguard = getSystemService(KeyguardManager::class.java)
        @Suppress("DEPRECATION")
        val confirm = keyguard?.createConfirmDeviceCredentialIntent(Text.GATE_TITLE, intent.getStringExtra(EXTRA_REASON))
        if (confirm == null) {
            finishWith(BiometricOutcome.UNAVAILABLE)
        } else {
            @Suppress("DEPRECATION")
            startActivityForResult(confirm, REQUEST)
        }
    }

    @Deprecated("framework callback")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        if (requestCode == REQUEST) finishWith(GateOutcomes.fromKeyguardResult(resultCode))
    }

    override fun onDestroy() {
        super.onDestroy()
        if (isFinishing) waiting.remove(token)?.invoke(BiometricOutcome.CANCELLED)
    }

    private fun finishWith(outcome: BiometricOutcome) {
        waiting.remove(token)?.invoke(outcome)
        finish()
    }

    companion object {
        private const val REQUEST = 1
        private const val EXTRA_TOKEN = "token"
        private const val EXTRA_REASON = "reason"
        private val next = AtomicInteger(1)
        private val waiting = ConcurrentHashMap<Int, (BiometricOutcome) -> Unit>()

        fun start(activity: Activity, reason: String, done: (BiometricOutcome) -> Unit) {
            val token = next.getAndIncrement()
            waiting[token] = done
            activity.startActivity(
                Intent(activity, ConfirmCredentialActivity::class.java)
                    .putExtra(EXTRA_TOKEN, token)
                    .putExtra(EXTRA_REASON, reason),
            )
        }
    }
}
