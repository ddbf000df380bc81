package dev.countersign.app.scan

import android.app.Activity
import android.app.AlertDialog
import android.os.Build
import android.widget.Toast
import dev.countersign.CountersignException
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.push.PushTokenStore
import dev.countersign.app.userMessage
import dev.countersign.ffi.ScanItem
import dev.countersign.ffi.ScanKind
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/** What a scanned code does: add an account, enroll this phone for push, or explain. */
class ScanResultHandler(private val activity: Activity, private val retry: (String) -> Unit) {
    private val scope = MainScope()

    fun handle(item: ScanItem) {
        when (item.kind) {
            ScanKind.OTPAUTH -> run { it.add(item.text); Text.ADDED }
            // enrollPush speaks both: Countersign's own servers and privacyIDEA's push
            // tokens (a 4096-bit key is made off the main thread, in the core). The
            // scan's time goes along: privacyIDEA's ttl counts from it, also when the
            // user takes a while over the certificate warning.
            ScanKind.PUSH_ENROLLMENT, ScanKind.PRIVACY_IDEA_PUSH ->
                enroll(item.text, System.currentTimeMillis() / 1000, acceptUncheckedCertificates = false)
            ScanKind.MIGRATION_BATCH -> retry(Text.MIGRATION_NOT_YET)
            ScanKind.INVALID_OTPAUTH, ScanKind.INVALID_MIGRATION -> retry(item.detail ?: Text.NOT_A_CODE)
            ScanKind.NOT_AUTHENTICATOR ->
                retry(item.detail?.let { host -> "${Text.NOT_A_CODE} ($host)" } ?: Text.NOT_A_CODE)
        }
    }

    /**
     * Enrolls for push; a privacyIDEA code that turns certificate checks off is
     * enrolled only after the user accepted the core's warning in a dialog.
     */
    private fun enroll(uri: String, scannedAtSeconds: Long, acceptUncheckedCertificates: Boolean) {
        scope.launch {
            try {
                val token = PushTokenStore(activity).token
                val account = (activity.application as CountersignApp).countersign()
                    .enrollPush(uri, Build.MODEL, "android", token, acceptUncheckedCertificates, scannedAtSeconds)
                activity.startActivity(EnrolledActivity.intent(activity, account.org, account.user))
                activity.finish()
            } catch (warning: CountersignException.CertificateChecksOff) {
                AlertDialog.Builder(activity)
                    .setTitle(Text.CERTIFICATE_CHECKS_OFF_TITLE)
                    .setMessage(warning.reason)
                    .setPositiveButton(Text.ENROLL_ANYWAY) { _, _ -> enroll(uri, scannedAtSeconds, acceptUncheckedCertificates = true) }
                    .setNegativeButton(Text.CANCEL) { _, _ -> retry(Text.NOT_ENROLLED) }
                    .show()
            } catch (error: Exception) {
                retry(error.userMessage())
            }
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
