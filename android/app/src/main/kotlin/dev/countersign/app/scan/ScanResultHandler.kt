package dev.countersign.app.scan

import android.app.Activity
import android.os.Build
import android.widget.Toast
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.push.PushTokenStore
import dev.countersign.app.userMessage
import dev.countersign.ffi.ScanItem
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/** What a scanned code does: add an account, enroll this phone for push, or explain. */
class ScanResultHandler(private val activity: Activity, private val retry: (String) -> Unit) {
    private val scope = MainScope()

    fun handle(item: ScanItem) {
        when (item.kind) {
            "otpauth" -> run { it.add(item.text); Text.ADDED }
            // enrollPush speaks both: Countersign's own servers and privacyIDEA's push
            // tokens (a 4096-bit key is made off the main thread, in the core).
            "push_enrollment", "privacyidea_push" ->
                run {
                    val token = PushTokenStore(activity).token
                    val account = it.enrollPush(item.text, Build.MODEL, "android", token)
                    "${Text.ENROLLED} ${account.org}"
                }
            "migration_batch" -> retry(Text.MIGRATION_NOT_YET)
            "invalid_otpauth", "invalid_migration" -> retry(item.detail ?: Text.NOT_A_CODE)
            else -> retry(item.detail?.let { host -> "${Text.NOT_A_CODE} ($host)" } ?: Text.NOT_A_CODE)
        }
    }

    private fun run(action: suspend (dev.countersign.Countersign) -> String) {
        scope.launch {
            try {
                val done = action((activity.application as CountersignApp).countersign())
                Toast.makeText(activity, done, Toast.LENGTH_SHORT).show()
                activity.finish()
            } catch (error: Exception) {
                retry(error.userMessage())
            }
        }
    }

    fun close() = scope.cancel()
}
