package dev.countersign.app.more

import android.app.Activity
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.widget.Switch
import android.widget.Toast
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.transfer.ImportActivity
import dev.countersign.app.ui.SensitiveClipboard
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.userMessage
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/**
 * Settings (the core's one setting today: diagnostics), push enrollments, the
 * app version, the Protect ID with a Copy button, and help links.
 */
class MoreActivity : Activity() {
    private val scope = MainScope()
    private val app get() = application as CountersignApp

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = Text.MORE
        val diagnostics = Switch(this).apply { text = Text.DIAGNOSTICS; isEnabled = false }
        val protectId = label()
        val pushAccounts = label()
        val version = label("${Text.VERSION} ${packageManager.getPackageInfo(packageName, 0).versionName}")
        setContentView(
            column(
                label(Text.SETTINGS, 20f),
                diagnostics,
                button(Text.IMPORT_FROM_APP) { startActivity(ImportActivity.intent(this)) },
                label(Text.PUSH_ACCOUNTS, 20f),
                pushAccounts,
                label(Text.PROTECT_ID, 20f),
                protectId,
                button(Text.COPY) {
                    SensitiveClipboard.copy(this, Text.PROTECT_ID, protectId.text.toString(), sensitive = false)
                },
                version,
                button(Text.HELP) { open(Text.HELP_URL) },
                button("Privacy") { open(Text.PRIVACY_URL) },
            ),
        )
        scope.launch {
            try {
                val core = app.countersign()
                diagnostics.isChecked = core.diagnosticsEnabled()
                diagnostics.isEnabled = true
                diagnostics.setOnCheckedChangeListener { view, enabled -> save(view, enabled) }
                protectId.text = core.protectId()
                pushAccounts.text =
                    app.countersign().pushAccounts().joinToString("\n") {
                        val checks = if (it.certificateChecks) "" else " · ${Text.CERTIFICATE_CHECKS_OFF}"
                        "${it.org} · ${it.user} (${Text.status(it.status)})$checks"
                    }.ifEmpty { "—" }
            } catch (error: Exception) {
                protectId.text = error.userMessage()
            }
        }
    }

    private fun save(view: android.widget.CompoundButton, enabled: Boolean) {
        scope.launch {
            try {
                app.countersign().setDiagnosticsEnabled(enabled)
            } catch (error: Exception) {
                view.isChecked = !enabled
                Toast.makeText(this@MoreActivity, error.userMessage(), Toast.LENGTH_LONG).show()
            }
        }
    }

    private fun open(url: String) {
        runCatching { startActivity(Intent(Intent.ACTION_VIEW, Uri.parse(url))) }
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }
}
