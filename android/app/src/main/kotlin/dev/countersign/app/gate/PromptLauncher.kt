package dev.countersign.app.gate

import android.os.CancellationSignal
import dev.countersign.ffi.BiometricOutcome

/** Shows a confirmation on the main thread and reports its end through [done] (once). */
fun interface PromptLauncher {
    fun launch(reason: String, cancel: CancellationSignal, done: (BiometricOutcome) -> Unit)
}
