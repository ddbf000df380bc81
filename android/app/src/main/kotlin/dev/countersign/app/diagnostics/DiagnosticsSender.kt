package dev.countersign.app.diagnostics

import android.app.Activity
import android.app.Application
import android.content.Context
import android.os.Bundle
import dev.countersign.Countersign
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/**
 * Share Diagnostic Data's sending: the app asks at start and whenever a
 * screen comes to the foreground. The core decides whether a batch goes out
 * (sharing on, an hour since the last attempt, a network the user allows)
 * and marks the attempt before the request leaves, so asking often costs a
 * vault read, never a second request. Runs in [scope], off the main thread.
 */
class DiagnosticsSender(
    private val context: Context,
    private val scope: CoroutineScope,
    private val core: suspend () -> Countersign,
) : Application.ActivityLifecycleCallbacks {
    fun send() {
        scope.launch {
            try {
                core().sendDiagnostics(SendContext.collectorUrl(context), SendContext.environment(context), SendContext.network(context))
            } catch (_: Exception) {
                // Offline, the collector busy, the vault not openable now: the
                // events stay queued and a later foreground asks again.
            }
        }
    }

    override fun onActivityResumed(activity: Activity) = send()

    override fun onActivityCreated(activity: Activity, savedInstanceState: Bundle?) = Unit

    override fun onActivityStarted(activity: Activity) = Unit

    override fun onActivityPaused(activity: Activity) = Unit

    override fun onActivityStopped(activity: Activity) = Unit

    override fun onActivitySaveInstanceState(activity: Activity, outState: Bundle) = Unit

    override fun onActivityDestroyed(activity: Activity) = Unit
}
