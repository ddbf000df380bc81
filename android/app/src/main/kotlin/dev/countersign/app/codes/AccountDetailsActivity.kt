package dev.countersign.app.codes

import android.app.AlertDialog
import android.content.Context
import android.content.Intent
import android.os.Bundle
import android.widget.EditText
import android.widget.Toast
import androidx.activity.ComponentActivity
import androidx.lifecycle.lifecycleScope
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.userMessage
import dev.countersign.ffi.AccountItem
import kotlinx.coroutines.launch

/** One account: what it is, Rename, Move up/down the list, and Delete behind a confirmation. */
class AccountDetailsActivity : ComponentActivity() {
    private val scope get() = lifecycleScope
    private val app get() = application as CountersignApp

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = Text.DETAILS
        val id = intent.getStringExtra(EXTRA_ID) ?: return finish()
        scope.launch {
            val account =
                try {
                    app.countersign().accounts().firstOrNull { it.id == id }
                } catch (error: Exception) {
                    Toast.makeText(this@AccountDetailsActivity, error.userMessage(), Toast.LENGTH_LONG).show()
                    null
                }
            if (account == null) finish() else show(account)
        }
    }

    private fun show(account: AccountItem) {
        val lines =
            listOfNotNull(
                CodeFormat.title(account.issuer, account.name),
                "${account.kind.name} · ${account.digits} digits",
                if (account.weakSecret) Text.WEAK_SECRET else null,
            )
        val views =
            lines.map { label(it) } +
                button(Text.RENAME) { rename(account) } +
                button(Text.MOVE_UP) { move(account, -1) } +
                button(Text.MOVE_DOWN) { move(account, +1) } +
                button(Text.DELETE) { confirmDelete(account) }
        setContentView(column(*views.toTypedArray()))
    }

    /** One place up or down the list; nothing at either end. */
    private fun move(account: AccountItem, by: Int) {
        scope.launch {
            try {
                val all = app.countersign().accounts()
                val target = all.indexOfFirst { it.id == account.id } + by
                if (target !in all.indices || target - by !in all.indices) return@launch
                app.countersign().move(account.id, target)
                Toast.makeText(this@AccountDetailsActivity, if (by < 0) Text.MOVED_UP else Text.MOVED_DOWN, Toast.LENGTH_SHORT).show()
            } catch (error: Exception) {
                Toast.makeText(this@AccountDetailsActivity, error.userMessage(), Toast.LENGTH_LONG).show()
            }
        }
    }

    /** Issuer and account name, as the list shows them; the core checks them. */
    private fun rename(account: AccountItem) {
        val issuer = EditText(this).apply { hint = Text.ISSUER; setSingleLine(); setText(account.issuer.orEmpty()) }
        val name = EditText(this).apply { hint = Text.ACCOUNT; setSingleLine(); setText(account.name) }
        AlertDialog.Builder(this)
            .setTitle(Text.RENAME)
            .setView(column(issuer, name))
            .setNegativeButton(Text.CANCEL, null)
            .setPositiveButton(Text.RENAME) { _, _ ->
                scope.launch {
                    try {
                        val newIssuer = issuer.text.toString().trim().ifEmpty { null }
                        app.countersign().rename(account.id, newIssuer, name.text.toString().trim())
                        show(account.copy(issuer = newIssuer, name = name.text.toString().trim()))
                    } catch (error: Exception) {
                        Toast.makeText(this@AccountDetailsActivity, error.userMessage(), Toast.LENGTH_LONG).show()
                    }
                }
            }.show()
    }

    private fun confirmDelete(account: AccountItem) {
        AlertDialog.Builder(this)
            .setTitle(Text.DELETE_TITLE)
            .setMessage(CodeFormat.title(account.issuer, account.name) + "\n\n" + Text.DELETE_BODY)
            .setNegativeButton(Text.CANCEL, null)
            .setPositiveButton(Text.DELETE) { _, _ ->
                scope.launch {
                    try {
                        app.countersign().delete(account.id)
                        finish()
                    } catch (error: Exception) {
                        Toast.makeText(this@AccountDetailsActivity, error.userMessage(), Toast.LENGTH_LONG).show()
                    }
                }
            }.show()
    }

    companion object {
        private const val EXTRA_ID = "dev.countersign.app.extra.ACCOUNT_ID"

        fun intent(context: Context, id: String): Intent =
            Intent(context, AccountDetailsActivity::class.java).putExtra(EXTRA_ID, id)
    }
}
