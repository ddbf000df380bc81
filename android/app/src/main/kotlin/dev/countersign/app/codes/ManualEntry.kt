package dev.countersign.app.codes

import java.net.URLEncoder

/** What the manual-entry form holds; [uri] is what the core is given. Pure. */
data class ManualEntry(
    val issuer: String = "",
    val account: String = "",
    val secret: String = "",
    val type: String = TOTP,
    val algorithm: String = "SHA1",
    val digits: Int = 6,
    val period: Int = 30,
    val counter: Long = 0,
) {
    /** Why the form cannot be sent yet; null when it can (the core checks the rest). */
    fun problem(): String? =
        when {
            account.isBlank() -> "Enter the account name"
            secret.isBlank() -> "Enter the key"
            else -> null
        }

    /**
     * The otpauth:// URI (Key Uri Format) for these fields: the key without the
     * spaces and dashes people copy it with; defaults are written out so the
     * account is exactly what the form showed.
     */
    fun uri(): String {
        val label = if (issuer.isBlank()) encode(account.trim()) else "${encode(issuer.trim())}:${encode(account.trim())}"
        val parameters =
            buildList {
                add("secret=" + secret.filterNot { it == ' ' || it == '-' }.uppercase())
                if (issuer.isNotBlank()) add("issuer=" + encode(issuer.trim()))
                add("algorithm=$algorithm")
                add("digits=$digits")
                if (type == HOTP) add("counter=$counter") else add("period=$period")
            }
        return "otpauth://$type/$label?" + parameters.joinToString("&")
    }

    companion object {
        const val TOTP = "totp"
        const val HOTP = "hotp"
        val ALGORITHMS = listOf("SHA1", "SHA256", "SHA512")
        val DIGITS = listOf(6, 7, 8)

        private fun encode(text: String): String = URLEncoder.encode(text, "UTF-8").replace("+", "%20")
    }
}
