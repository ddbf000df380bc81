package dev.countersign.app.transfer

import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.text.InputType
import android.view.View
import android.view.WindowManager
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import androidx.activity.ComponentActivity
import androidx.activity.result.contract.ActivityResultContracts
import androidx.activity.viewModels
import androidx.lifecycle.ViewModel
import androidx.lifecycle.lifecycleScope
import dev.countersign.CountersignException
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.ui.button
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.userMessage
import dev.countersign.ffi.ImportPlan
import java.io.IOException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Import from another authenticator's export (Aegis, 2FAS, andOTP, FreeOTP,
 * Google Authenticator's database, a Countersign backup, …): pick the file,
 * give its password if it is encrypted, see what would be added, then add all
 * of it or nothing. The file and what was decided survive rotation.
 */
class ImportActivity : ComponentActivity() {
    /** What outlives a rotation. */
    class State : ViewModel() {
        var file: ByteArray? = null
        var password: String? = null
        var plan: ImportPlan? = null
    }

    private val state: State by viewModels()
    private val app get() = application as CountersignApp
    internal lateinit var status: TextView
    private lateinit var body: android.widget.LinearLayout

    private val pick =
        registerForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
            if (uri == null) finish() else load(uri)
        }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // The preview names accounts; the password field is a secret.
        window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        title = Text.IMPORT
        status = label()
        body = column()
        setContentView(column(body, status))
        val plan = state.plan
        when {
            plan != null -> showPlan(plan)
            state.file != null -> askPassword(wrong = false)
            savedInstanceState != null -> Unit // a pick in flight comes back to the new screen
            intent.data != null -> load(intent.data!!)
            else -> pick.launch(arrayOf("*/*"))
        }
    }

    private fun load(uri: Uri) {
        lifecycleScope.launch {
            try {
                state.file = withContext(Dispatchers.IO) { read(uri) }
                preview()
            } catch (error: IOException) {
                status.text = "${Text.FILE_UNREADABLE}: ${error.message}"
            }
        }
    }

    /** Bounded: the core refuses larger files anyway, and a phone must not read a huge one into memory. */
    private fun read(uri: Uri): ByteArray {
        val stream = contentResolver.openInputStream(uri) ?: throw IOException("no such file")
        // InputStream.readNBytes is Android 13+; this runs on 8.
        return stream.use { input ->
            val out = java.io.ByteArrayOutputStream()
            val buffer = ByteArray(64 * 1024)
            while (true) {
                val read = input.read(buffer)
                if (read < 0) break
                out.write(buffer, 0, read)
                if (out.size() > MAX_FILE_BYTES) throw IOException(Text.FILE_TOO_LARGE)
            }
            out.toByteArray()
        }
    }

    private fun preview() {
        val file = state.file ?: return
        status.text = Text.READING
        lifecycleScope.launch {
            try {
                val plan = app.countersign().previewImport(file, state.password)
                state.plan = plan
                status.text = ""
                showPlan(plan)
            } catch (error: CountersignException.WrongPassword) {
                status.text = if (error.passwordMissing) "" else error.userMessage()
                askPassword(wrong = !error.passwordMissing)
            } catch (error: Exception) {
                status.text = error.userMessage()
            }
        }
    }

    private fun askPassword(wrong: Boolean) {
        val field =
            EditText(this).apply {
                id = PASSWORD_ID
                hint = Text.FILE_PASSWORD
                contentDescription = Text.FILE_PASSWORD
                inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD
            }
        body.removeAllViews()
        body.addView(label(if (wrong) Text.PASSWORD_AGAIN else Text.FILE_ENCRYPTED))
        body.addView(field)
        body.addView(button(Text.CONTINUE) {
            state.password = field.text.toString()
            preview()
        })
    }

    private fun showPlan(plan: ImportPlan) {
        body.removeAllViews()
        body.addView(label(Text.importSummary(plan.format, plan.toAdd.size, plan.duplicates.toInt()), 18f))
        plan.toAdd.forEach { body.addView(label("• " + listOfNotNull(it.issuer, it.name).joinToString(" · "))) }
        plan.skipped.forEach { body.addView(label("${Text.SKIPPED} ${it.name}: ${it.reason}")) }
        val confirm: Button = button(Text.importAction(plan.toAdd.size)) { commit() }
        confirm.isEnabled = plan.toAdd.isNotEmpty()
        body.addView(confirm)
        body.addView(button(Text.CANCEL) { finish() })
    }

    private fun commit() {
        val file = state.file ?: return
        lifecycleScope.launch {
            try {
                val added = app.countersign().importFile(file, state.password)
                status.text = Text.imported(added.toInt())
                body.visibility = View.GONE
                setResult(RESULT_OK)
                finish()
            } catch (error: Exception) {
                status.text = error.userMessage()
            }
        }
    }

    companion object {
        /** Larger than any real export (the core's own limit is lower). */
        const val MAX_FILE_BYTES = 32 * 1024 * 1024
        private const val PASSWORD_ID = 0x0c5e0101

        /** Opens [file] directly (another app's "open with"), or the picker when null. */
        fun intent(context: Context, file: Uri? = null): Intent = Intent(context, ImportActivity::class.java).setData(file)
    }
}
