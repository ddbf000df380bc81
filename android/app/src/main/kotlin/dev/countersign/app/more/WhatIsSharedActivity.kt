package dev.countersign.app.more

import android.content.Context
import android.content.Intent
import android.os.Bundle
import android.widget.ScrollView
import androidx.activity.ComponentActivity
import dev.countersign.app.CountersignApp
import dev.countersign.app.Text
import dev.countersign.app.ui.column
import dev.countersign.app.ui.label
import dev.countersign.app.userMessage

/**
 * "What is shared": every field a diagnostics batch can carry, as "name:
 * meaning", then what is never shared. The list comes from the core
 * ([CountersignApp.whatIsShared]), so it cannot drift from what is sent.
 */
class WhatIsSharedActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = Text.WHAT_IS_SHARED
        val list = column(label(Text.WHAT_IS_SHARED_INTRO))
        try {
            val shared = (application as CountersignApp).whatIsShared()
            shared.fields.forEach { field -> list.addView(label("${field.name}: ${field.meaning}")) }
            list.addView(label(Text.neverShared(shared.neverShared)))
        } catch (error: Exception) {
            list.addView(label(error.userMessage()))
        }
        setContentView(ScrollView(this).apply { addView(list) })
    }

    companion object {
        fun intent(context: Context): Intent = Intent(context, WhatIsSharedActivity::class.java)
    }
}
