package dev.countersign.app.more

import android.app.AlertDialog
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.widget.CompoundButton
import android.widget.LinearLayout
import android.widget.Switch
import android.widget.Toast
import androidx.activity.ComponentActivity
import androidx.lifecycle.lifecycleScope
import dev.countersign.Countersign
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.transfer.ImportActivity
import dev.countersign.app.ui.SensitiveClipboard
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.ui.row
import dev.countersign.app.userMessage
import dev.countersign.ffi.PushAccountItem
import kotlinx.coroutines.launch

/**
 * Settings (Share Diagnostic Data, over mobile data too, What is shared),
 * import, the push accounts with Remove, the app version, the Protect ID with
 * Copy, and help, terms and privacy links. Every core call runs off the main
 * thread (the facade's IO dispatcher).
 */
class MoreActivity : ComponentActivity() {
    private val app get() = application as CountersignApp
    internal lateinit var pushAccounts: LinearLayout

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = Text.MORE
        val diagnostics = Switch(this).apply { text = Text.DIAGNOSTICS; isEnabled = false }
        val anyNetwork = Switch(this).apply { text = Text.DIAGNOSTICS_ANY_NETWORK; isEnabled = false }
        val protectId = label()
        pushAccounts = column().apply { setPadding(0, 0, 0, 0) }
        val version = label("${Text.VERSION} ${packageManager.getPackageInfo(packageName, 0).versionName}")
        setContentView(
            column(
                label(Text.SETTINGS, 20f),
                diagnostics,
                anyNetwork,
                button(Text.WHAT_IS_SHARED) { startActivity(WhatIsSharedActivity.intent(this)) },
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
                button(Text.TERMS) { open(Text.TERMS_URL) },
                button(Text.PRIVACY) { open(Text.PRIVACY_URL) },
            ),
        )
        lifecycleScope.launch {
            try {
                val core = app.countersign()
                diagnostics.isChecked = core.diagnosticsEnabled()
                anyNetwork.isChecked = core.diagnosticsOnAnyNetwork()
                diagnostics.isEnabled = true
                // Which networks matters only while sharing is on.
                anyNetwork.isEnabled = diagnostics.isChecked
                saves(diagnostics, Countersign::setDiagnosticsEnabled) { enabled -> anyNetwork.isEnabled = enabled }
                saves(anyNetwork, Countersign::setDiagnosticsOnAnyNetwork)
                protectId.text = core.protectId()
            } catch (error: Exception) {
                protectId.text = error.userMessage()
            }
        }
        showPushAccounts()
    }

    private fun showPushAccounts() {
        lifecycleScope.launch {
            pushAccounts.removeAllViews()
            try {
                val accounts = app.countersign().pushAccounts()
                if (accounts.isEmpty()) pushAccounts.addView(label("—"))
                accounts.forEach { account ->
                    val checks = if (account.certificateChecks) "" else " · ${Text.CERTIFICATE_CHECKS_OFF}"
                    pushAccounts.addView(
                        row(
                            label("${account.org} · ${account.user} (${Text.status(account.status)})$checks"),
                            button(Text.REMOVE) { confirmRemove(account) },
                        ),
                    )
                }
            } catch (error: Exception) {
                pushAccounts.addView(label(error.userMessage()))
            }
        }
    }

    /** Removing tells the server (best effort) and forgets the account here. */
    private fun confirmRemove(account: PushAccountItem) {
        AlertDialog.Builder(this)
            .setTitle(Text.REMOVE_TITLE)
            .setMessage("${account.org} · ${account.user}\n\n${Text.REMOVE_BODY}")
            .setNegativeButton(Text.CANCEL, null)
            .setPositiveButton(Text.REMOVE) { _, _ ->
                lifecycleScope.launch {
                    try {
                        app.countersign().deletePushAccount(account.id)
                        showPushAccounts()
                    } catch (error: Exception) {
                        Toast.makeText(this@MoreActivity, error.userMessage(), Toast.LENGTH_LONG).show()
                    }
                }
            }.show()
    }

    /**
     * Saves [switch] at each change with [save], and shows the state with
     * [shown]; a failed save puts the switch back (without saving that) and
     * says why.
     */
    private fun saves(switch: CompoundButton, save: suspend Countersign.(Boolean) -> Unit, shown: (Boolean) -> Unit = {}) {
        var puttingBack = false
        switch.setOnCheckedChangeListener { _, on ->
            if (puttingBack) return@setOnCheckedChangeListener
            shown(on)
            lifecycleScope.launch {
                try {
                    app.countersign().save(on)
                } catch (error: Exception) {
                    puttingBack = true
                    switch.isChecked = !on
                    puttingBack = false
                    shown(!on)
                    Toast.makeText(this@MoreActivity, error.userMessage(), Toast.LENGTH_LONG).show()
                }
            }
        }
    }

    private fun open(url: String) {
        runCatching { startActivity(Intent(Intent.ACTION_VIEW, Uri.parse(url))) }
    }
}
