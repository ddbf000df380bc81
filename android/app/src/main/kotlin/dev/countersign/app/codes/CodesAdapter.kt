package dev.countersign.app.codes

import android.graphics.Color
import android.view.Gravity
import android.view.View
import android.view.ViewGroup
import android.widget.LinearLayout
import android.widget.TextView
import androidx.recyclerview.widget.RecyclerView
import dev.countersign.app.Text
import dev.countersign.app.ui.dp
import dev.countersign.app.ui.label
import dev.countersign.ffi.CodeItem

/**
 * The codes list: title, big code and its countdown ring per account; a tap
 * copies, the edit button opens the account. Rows keep their identity (stable
 * ids) so a tick rebinds text in place.
 */
class CodesAdapter(
    private val onCopy: (CodeItem) -> Unit,
    private val onOpen: (CodeItem) -> Unit,
) : RecyclerView.Adapter<CodesAdapter.Row>() {
    var items: List<CodeItem> = emptyList()
        private set

    init {
        setHasStableIds(true)
    }

    fun submit(next: List<CodeItem>) {
        val sameRows = next.map { it.id } == items.map { it.id }
        items = next
        if (sameRows) notifyItemRangeChanged(0, next.size) else notifyDataSetChanged()
    }

    override fun getItemCount(): Int = items.size

    override fun getItemId(position: Int): Long = items[position].id.hashCode().toLong()

    override fun onCreateViewHolder(parent: ViewGroup, viewType: Int): Row = Row(parent)

    override fun onBindViewHolder(holder: Row, position: Int) = holder.bind(items[position], onCopy, onOpen)

    class Row(parent: ViewGroup) : RecyclerView.ViewHolder(LinearLayout(parent.context)) {
        private val context = parent.context
        private val title = context.label(sizeSp = 14f)
        private val code = context.label(sizeSp = 28f)
        val ring = CountdownRing(context)
        private val edit = TextView(context).apply {
            text = Text.EDIT
            setPadding(context.dp(12), context.dp(12), context.dp(12), context.dp(12))
        }

        init {
            val texts = LinearLayout(context).apply {
                orientation = LinearLayout.VERTICAL
                addView(title)
                addView(code)
                layoutParams = LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f)
            }
            (itemView as LinearLayout).apply {
                orientation = LinearLayout.HORIZONTAL
                gravity = Gravity.CENTER_VERTICAL
                setPadding(context.dp(16), context.dp(8), context.dp(8), context.dp(8))
                layoutParams = RecyclerView.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT)
                addView(texts)
                addView(ring)
                addView(edit)
            }
        }

        fun bind(item: CodeItem, onCopy: (CodeItem) -> Unit, onOpen: (CodeItem) -> Unit) {
            title.text = CodeFormat.title(item.issuer, item.name)
            code.text = CodeFormat.code(item)
            code.setTextColor(if (CodeFormat.expiring(item)) Color.RED else Color.BLACK)
            ring.show(item.secondsLeft, item.period)
            itemView.contentDescription = "${title.text}, ${code.text}"
            itemView.setOnClickListener { onCopy(item) }
            edit.contentDescription = "${Text.EDIT} ${title.text}"
            edit.setOnClickListener { onOpen(item) }
            edit.visibility = View.VISIBLE
        }
    }
}
