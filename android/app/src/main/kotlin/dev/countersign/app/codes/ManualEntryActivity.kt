package dev.countersign.app.codes

import android.os.Bundle
import android.text.InputType
import android.view.View
import android.view.WindowManager
import android.widget.ArrayAdapter
import android.widget.CheckBox
import android.widget.EditText
import android.widget.Spinner
import android.widget.TextView
import android.widget.Toast
import androidx.activity.ComponentActivity
import androidx.lifecycle.lifecycleScope
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.userMessage
import kotlinx.coroutines.launch

/**
 * Adding an account by typing its key (when there is no QR code): issuer,
 * account, key; Advanced for type, algorithm, digits and period or counter.
 * The core checks the key. Fields keep what was typed across rotation (fixed
 * view ids); the key stays out of screenshots.
 */
class ManualEntryActivity : ComponentActivity() {
    private val app get() = application as CountersignApp
    internal lateinit var issuer: EditText
    internal lateinit var account: EditText
    internal lateinit var secret: EditText
    internal lateinit var advanced: CheckBox
    internal lateinit var type: Spinner
    internal lateinit var algorithm: Spinner
    internal lateinit var digits: Spinner
    internal lateinit var interval: EditText
    internal lateinit var status: TextView

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        title = Text.ADD_MANUALLY
        issuer = field(ISSUER_ID, Text.ISSUER, InputType.TYPE_CLASS_TEXT)
        account = field(ACCOUNT_ID, Text.ACCOUNT, InputType.TYPE_CLASS_TEXT)
        secret = field(SECRET_ID, Text.KEY, InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS or InputType.TYPE_TEXT_VARIATION_VISIBLE_PASSWORD)
        type = spinner(TYPE_ID, listOf(Text.TIME_BASED, Text.COUNTER_BASED))
        algorithm = spinner(ALGORITHM_ID, ManualEntry.ALGORITHMS)
        digits = spinner(DIGITS_ID, ManualEntry.DIGITS.map(Int::toString))
        interval = field(INTERVAL_ID, Text.PERIOD, InputType.TYPE_CLASS_NUMBER).apply { setText("30") }
        val options = column(type, algorithm, digits, interval).apply { setPadding(0, 0, 0, 0) }
        advanced = CheckBox(this).apply {
            id = ADVANCED_ID
            text = Text.ADVANCED
            setOnCheckedChangeListener { _, on -> options.visibility = if (on) View.VISIBLE else View.GONE }
        }
        options.visibility = View.GONE
        status = label()
        setContentView(column(issuer, account, secret, advanced, options, button(Text.ADD) { add() }, status))
    }

    internal fun entry(): ManualEntry {
        val counterBased = type.selectedItemPosition == 1
        val number = interval.text.toString().trim().toLongOrNull()
        return ManualEntry(
            issuer = issuer.text.toString(),
            account = account.text.toString(),
            secret = secret.text.toString(),
            type = if (counterBased) ManualEntry.HOTP else ManualEntry.TOTP,
            algorithm = ManualEntry.ALGORITHMS[algorithm.selectedItemPosition.coerceAtLeast(0)],
            digits = ManualEntry.DIGITS[digits.selectedItemPosition.coerceAtLeast(0)],
            period = if (counterBased) 30 else (number ?: 30).toInt(),
            counter = if (counterBased) number ?: 0 else 0,
        )
    }

    private fun add() {
        val entry = entry()
        entry.problem()?.let { status.text = it; return }
        lifecycleScope.launch {
            try {
                app.countersign().add(entry.uri())
                Toast.makeText(this@ManualEntryActivity, Text.ADDED, Toast.LENGTH_SHORT).show()
                finish()
            } catch (error: Exception) {
                status.text = error.userMessage()
            }
        }
    }

    private fun field(viewId: Int, hintText: String, input: Int): EditText =
        EditText(this).apply {
            id = viewId
            hint = hintText
            contentDescription = hintText
            inputType = input
            setSingleLine()
        }

    private fun spinner(viewId: Int, choices: List<String>): Spinner =
        Spinner(this).apply {
            id = viewId
            adapter = ArrayAdapter(this@ManualEntryActivity, android.R.layout.simple_spinner_dropdown_item, choices)
        }

    private companion object {
        // Fixed ids: Android restores a view's state by id after a rotation.
        const val ISSUER_ID = 0x0c5e0001
        const val ACCOUNT_ID = 0x0c5e0002
        const val SECRET_ID = 0x0c5e0003
        const val ADVANCED_ID = 0x0c5e0004
        const val TYPE_ID = 0x0c5e0005
        const val ALGORITHM_ID = 0x0c5e0006
        const val DIGITS_ID = 0x0c5e0007
        const val INTERVAL_ID = 0x0c5e0008
    }
}
