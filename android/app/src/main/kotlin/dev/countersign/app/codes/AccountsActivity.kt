package dev.countersign.app.codes

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.os.Bundle
import android.text.Editable
import android.text.TextWatcher
import android.view.View
import android.view.WindowManager
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.TextView
import android.widget.Toast
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import androidx.activity.viewModels
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.lifecycleScope
import androidx.lifecycle.repeatOnLifecycle
import androidx.lifecycle.viewmodel.initializer
import androidx.lifecycle.viewmodel.viewModelFactory
import androidx.recyclerview.widget.LinearLayoutManager
import androidx.recyclerview.widget.RecyclerView
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
import kotlinx.coroutines.launch

/**
 * The home screen: every account's live code with its countdown ring, search,
 * tap to copy, Edit for the account (rename, reorder, delete); add by camera
 * or by hand; a banner for sign-in requests waiting when the app opens. Codes
 * stay out of screenshots and the Recents thumbnail.
 */
class AccountsActivity : ComponentActivity() {
    // Given this screen's application explicitly: the default factory keeps the
    // first Application it saw in a static, which is only right with one.
    private val model: AccountsModel by viewModels {
        viewModelFactory { initializer { AccountsModel(application as CountersignApp) } }
    }
    private val adapter = CodesAdapter(onCopy = ::copy, onOpen = { startActivity(AccountDetailsActivity.intent(this, it.id)) })
    private lateinit var banner: Button
    private lateinit var empty: TextView
    private lateinit var search: EditText
    internal lateinit var list: RecyclerView

    private val app get() = application as CountersignApp

    private val askForNotifications = registerForActivityResult(ActivityResultContracts.RequestPermission()) {}

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        banner = button("") {}.apply { visibility = View.GONE }
        empty = label(Text.NO_ACCOUNTS).apply { visibility = View.GONE }
        search =
            EditText(this).apply {
                hint = Text.SEARCH
                contentDescription = Text.SEARCH
                setSingleLine()
                setText(model.search.value)
                addTextChangedListener(object : TextWatcher {
                    override fun afterTextChanged(text: Editable?) {
                        model.search.value = text?.toString().orEmpty()
                    }

                    override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit

                    override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit
                })
            }
        list =
            RecyclerView(this).apply {
                layoutManager = LinearLayoutManager(this@AccountsActivity)
                adapter = this@AccountsActivity.adapter
                layoutParams = LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, 1f)
            }
        val actions =
            row(
                button(Text.SCAN) { startActivity(Intent(this, ScanActivity::class.java)) },
                button(Text.ADD_MANUALLY) { startActivity(Intent(this, ManualEntryActivity::class.java)) },
                button(Text.MORE) { startActivity(Intent(this, MoreActivity::class.java)) },
            )
        setContentView(column(actions, banner, search, empty, list))
        // Asked once, when the app first opens; Android remembers the answer.
        if (savedInstanceState == null && Build.VERSION.SDK_INT >= 33 &&
            checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            askForNotifications.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
        lifecycleScope.launch {
            repeatOnLifecycle(Lifecycle.State.STARTED) { model.codes.collect(::render) }
        }
        lifecycleScope.launch {
            repeatOnLifecycle(Lifecycle.State.STARTED) { showPending() }
        }
    }

    private fun render(state: CodesState) {
        when (state) {
            CodesState.Loading -> Unit
            is CodesState.Shown -> {
                adapter.submit(state.items)
                empty.text = if (state.searching) Text.NO_MATCH else Text.NO_ACCOUNTS
                empty.visibility = if (state.items.isEmpty()) View.VISIBLE else View.GONE
            }
            is CodesState.Failed -> {
                empty.text = "${Text.VAULT_UNAVAILABLE}: ${state.message}"
                empty.visibility = View.VISIBLE
            }
        }
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
            lifecycleScope.launch {
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
