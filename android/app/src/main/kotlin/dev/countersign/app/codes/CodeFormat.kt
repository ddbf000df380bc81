package dev.countersign.app.codes

import dev.countersign.app.Text
import dev.countersign.ffi.CodeItem

/** How one row of the codes screen reads. Pure: tested without a device. */
object CodeFormat {
    /** "123 456", "1234 5678", "12 345" (Steam's five characters). */
    fun grouped(code: String): String =
        if (code.length < 5) code else code.substring(0, code.length / 2) + " " + code.substring(code.length / 2)

    fun title(issuer: String?, name: String): String =
        if (issuer.isNullOrBlank()) name else "$issuer ($name)"

    /** The big text: the code, or what to do instead. */
    fun code(item: CodeItem): String =
        item.code?.let(::grouped) ?: item.unavailable ?: Text.TAP_FOR_CODE

    fun countdown(item: CodeItem): String = item.secondsLeft?.let { "${it}s" }.orEmpty()

    /** Shown when a code is about to change, so the user waits for the next one. */
    fun expiring(item: CodeItem): Boolean = (item.secondsLeft ?: UInt.MAX_VALUE) <= 5u
}
