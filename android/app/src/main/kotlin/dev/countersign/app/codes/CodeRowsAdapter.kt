package dev.countersign.app.codes

import android.graphics.Color
import android.view.View
import android.view.ViewGroup
import android.widget.BaseAdapter
import android.widget.LinearLayout
import android.widget.TextView
import dev.countersign.app.ui.dp
import dev.countersign.app.ui.label
import dev.countersign.ffi.CodeItem

/** The codes list: title, big code, countdown. Rows are rebuilt in place every tick. */
class CodeRowsAdapter : BaseAdapter() {
    private var items: List<CodeItem> = emptyList()

    fun submit(next: List<CodeItem>) {
        items = next
        notifyDataSetChanged()
    }

    override fun getCount(): Int = items.size

    override fun getItem(position: Int): CodeItem = items[position]

    override fun getItemId(position: Int): Long = items[position].id.hashCode().toLong()

    override fun hasStableIds(): Boolean = true

    override fun getView(position: Int, convertView: View?, parent: ViewGroup): View {
        val row = convertView as? Row ?: Row(parent)
        row.bind(items[position])
        return row
    }

    private class Row(parent: ViewGroup) : LinearLayout(parent.context) {
        private val title = context.label(sizeSp = 14f)
        private val code = context.label(sizeSp = 28f)
        private val countdown = context.label(sizeSp = 14f)

        init {
            orientation = VERTICAL
            setPadding(context.dp(16), context.dp(8), context.dp(16), context.dp(8))
            addView(title)
            addView(code)
            addView(countdown)
        }

        fun bind(item: CodeItem) {
            title.text = CodeFormat.title(item.issuer, item.name)
            code.text = CodeFormat.code(item)
            code.setTextColor(if (CodeFormat.expiring(item)) Color.RED else Color.BLACK)
            countdown.text = CodeFormat.countdown(item)
            contentDescription = "${title.text}, ${code.text}"
        }
    }
}
