package dev.countersign.app.codes

import android.app.Activity
import android.app.AlertDialog
import android.content.Context
import android.content.Intent
import android.os.Bundle
import android.widget.Toast
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.userMessage
import dev.countersign.ffi.AccountItem
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/** One account: what it is, and Delete behind a confirmation. */
class AccountDetailsActivity : Activity() {
    private val scope = MainScope()
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
        val views = lines.map { label(it) } + button(Text.DELETE) { confirmDelete(account) }
        setContentView(column(*views.toTypedArray()))
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

    override fun onDestroy() {
        scope.cancel()
        super.onDestroy()
    }

    companion object {
        private const val EXTRA_ID = "dev.countersign.app.extra.ACCOUNT_ID"

        fun intent(context: Context, id: String): Intent =
            Intent(context, AccountDetailsActivity::class.java).putExtra(EXTRA_ID, id)
    }
}
