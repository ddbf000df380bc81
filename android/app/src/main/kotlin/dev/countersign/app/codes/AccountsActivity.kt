package dev.countersign.app.codes

import android.Manifest
import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import android.view.View
import android.widget.LinearLayout
import android.widget.ListView
import android.widget.Toast
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.more.MoreActivity
import dev.countersign.app.push.ApproveActivity
import dev.countersign.app.scan.ScanActivity
import dev.countersign.app.ui.SensitiveClipboard
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.ui.row
import dev.countersign.app.userMessage
import dev.countersign.ffi.CodeItem
import kotlinx.coroutines.Job
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/**
 * The home screen: every account's live code (one core call a second while
 * visible), tap to copy, long-press for details; a banner for sign-in requests
 * waiting when the app opens.
 */
class AccountsActivity : Activity() {
    private val scope = MainScope()
    private val adapter = CodeRowsAdapter()
    private var ticker: Job? = null
    private lateinit var banner: android.widget.Button
    private lateinit var empty: android.widget.TextView

    private val app get() = application as CountersignApp

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        banner = button("") {}.apply { visibility = View.GONE }
        empty = label(Text.NO_ACCOUNTS).apply { visibility = View.GONE }
        val list =
            ListView(this).apply {
                adapter = this@AccountsActivity.adapter
                setOnItemClickListener { _, _, position, _ -> copy(this@AccountsActivity.adapter.getItem(position)) }
                setOnItemLongClickListener { _, _, position, _ ->
                    startActivity(AccountDetailsActivity.intent(this@AccountsActivity, this@AccountsActivity.adapter.getItem(position).id))
                    true
                }
                layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, 1f)
            }
        val actions =
            row(
                button(Text.SCAN) { startActivity(Intent(this, ScanActivity::class.java)) },
                button(Text.MORE) { startActivity(Intent(this, MoreActivity::class.java)) },
            )
        setContentView(column(actions, banner, empty, list))
        if (Build.VERSION.SDK_INT >= 33 &&
            checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            requestPermissions(arrayOf(Manifest.permission.POST_NOTIFICATIONS), 1)
        }
    }

    override fun onStart() {
        super.onStart()
        ticker =
            scope.launch {
                try {
                    app.countersign().codes().collect { view ->
                        adapter.submit(view.items)
                        empty.visibility = if (view.items.isEmpty()) View.VISIBLE else View.GONE
                    }
                } catch (error: Exception) {
                    empty.text = "${Text.VAULT_UNAVAILABLE}: ${error.userMessage()}"
                    empty.visibility = View.VISIBLE
                }
            }
        scope.launch { showPending() }
    }

    override fun onStop() {
        ticker?.cancel()
        super.onStop()
    }

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    private suspend fun showPending() {
        val pending = runCatching { app.countersign().pending() }.getOrDefault(emptyList())
        val first = pending.firstOrNull()
        if (first == null) {
            banner.visibility = View.GONE
            return
        }
        pending.forEach(app.notifications::show)
        banner.text = Text.title(first.kind, first.resourceName) + if (pending.size > 1) " (+${pending.size - 1})" else ""
        banner.setOnClickListener { startActivity(ApproveActivity.intent(this, first.id)) }
        banner.visibility = View.VISIBLE
    }

    private fun copy(item: CodeItem) {
        val code = item.code
        if (code != null) {
            SensitiveClipboard.copy(this, Text.APP_NAME, code)
            Toast.makeText(this, Text.COPIED, Toast.LENGTH_SHORT).show()
        } else if (item.hotpCounter != null) {
            scope.launch {
                try {
                    SensitiveClipboard.copy(this@AccountsActivity, Text.APP_NAME, app.countersign().nextHotpCode(item.id))
                    Toast.makeText(this@AccountsActivity, Text.COPIED, Toast.LENGTH_SHORT).show()
                } catch (error: Exception) {
                    Toast.makeText(this@AccountsActivity, error.userMessage(), Toast.LENGTH_LONG).show()
                }
            }
        }
    }
}
