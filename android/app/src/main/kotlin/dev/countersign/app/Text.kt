package dev.countersign.app

import dev.countersign.core.PushAccountStatus
import dev.countersign.protocol.ChallengeKind
import dev.countersign.protocol.RiskLevel

/**
 * Every string the app shows. Kept in Kotlin rather than res/values so the CI
 * build (no aapt, hence no R class) compiles the same sources as Gradle.
 * Translation would move these into resources and read them through R.
 */
object Text {
    const val APP_NAME = "Countersign"
    const val SCAN = "Scan QR code"
    const val MORE = "More"
    const val COPIED = "Code copied"
    const val TAP_FOR_CODE = "Tap for the next code"
    const val NO_ACCOUNTS = "No accounts yet. Scan a QR code to add one."
    const val NO_MATCH = "No account matches your search."
    const val SEARCH = "Search accounts"
    const val EDIT = "Edit"
    const val ADD_MANUALLY = "Enter a key"
    const val IMPORT = "Import"
    const val IMPORT_FROM_APP = "Import accounts from another app"
    const val READING = "Reading the file…"
    const val FILE_UNREADABLE = "The file could not be read"
    const val FILE_TOO_LARGE = "The file is too large to be an authenticator export"
    const val FILE_PASSWORD = "The file's password"
    const val FILE_ENCRYPTED = "This export is encrypted. Enter the password you gave when you exported it."
    const val PASSWORD_AGAIN = "That password did not open the file. Try again."
    const val CONTINUE = "Continue"
    const val SKIPPED = "Not imported:"
    const val ISSUER = "Issuer (e.g. GitHub)"
    const val ACCOUNT = "Account (e.g. jane@example.com)"
    const val KEY = "Key"
    const val ADVANCED = "Advanced"
    const val TIME_BASED = "Time-based (TOTP)"
    const val COUNTER_BASED = "Counter-based (HOTP)"
    const val PERIOD = "Period in seconds, or the counter"
    const val ADD = "Add"
    const val RENAME = "Rename"
    const val MOVE_UP = "Move up"
    const val MOVE_DOWN = "Move down"
    const val MOVED_UP = "Moved up"
    const val MOVED_DOWN = "Moved down"
    const val VAULT_UNAVAILABLE = "Your accounts could not be opened"

    const val DETAILS = "Account"
    const val DELETE = "Delete"
    const val DELETE_TITLE = "Delete this account?"
    const val DELETE_BODY =
        "You will no longer get codes for it here. Make sure you can sign in another way first."
    const val CANCEL = "Cancel"
    const val WEAK_SECRET = "This account's secret is shorter than 128 bits."

    const val SETTINGS = "Settings"
    const val DIAGNOSTICS = "Share Diagnostic Data"
    const val DIAGNOSTICS_ANY_NETWORK = "Send over mobile data too"
    const val WHAT_IS_SHARED = "What is shared"
    const val WHAT_IS_SHARED_INTRO =
        "Diagnostic data helps us see what goes wrong and how long things take. It can hold these fields, and nothing else:"
    const val VERSION = "Version"
    const val PROTECT_ID = "Protect ID"
    const val COPY = "Copy"
    const val HELP = "Help"
    const val PUSH_ACCOUNTS = "Sign-in approvals"
    const val HELP_URL = "https://countersign.dev/help"
    const val PRIVACY_URL = "https://countersign.dev/privacy"
    const val TERMS_URL = "https://countersign.dev/terms"
    const val TERMS = "Terms"
    const val PRIVACY = "Privacy"
    const val REMOVE = "Remove"
    const val REMOVE_TITLE = "Stop approving sign-ins here?"
    const val REMOVE_BODY =
        "This phone will no longer get sign-in requests for this account. Enroll again from your organization's portal to undo it."

    const val CHANNEL_NAME = "Sign-in requests"
    const val CHANNEL_DESCRIPTION = "Requests to approve a sign-in, shown as they arrive"
    const val APPROVE = "Approve"
    const val DENY = "Deny"
    const val REPORT = "Deny and report"
    const val PUBLIC_TITLE = "Sign-in request"
    const val CHOOSE_NUMBER = "Open to choose the number shown on your screen"
    const val CONFIRM_IN_APP = "Open to confirm it is you"
    const val FINISH_IN_APP = "Open Countersign to finish"
    const val APPROVED = "Approved"
    const val DENIED = "Denied"
    const val REQUEST_GONE = "This request has already been answered or has expired."
    const val LOADING = "Loading…"
    const val EXPIRED = "Expired: sign in again if it was you"
    const val TYPE_NUMBER = "Type the number shown on the sign-in screen"

    const val GATE_TITLE = "Confirm it is you"
    const val USE_SCREEN_LOCK = "Use screen lock"
    const val CAMERA_NEEDED = "Countersign needs the camera to scan QR codes."
    const val ALLOW_CAMERA = "Allow the camera"
    const val OPEN_SETTINGS = "Open settings to allow the camera"
    const val ADDED = "Account added"
    const val ENROLLED = "This phone now approves sign-ins for"
    const val ENROLLED_TITLE = "You're set up"
    const val ENROLLED_NEXT = "Next time you sign in, approve the request here, or in the notification."
    const val DONE = "Done"
    const val NOT_ENROLLED = "Not enrolled: scan the code again when your administrator has fixed the server's certificate."
    const val CERTIFICATE_CHECKS_OFF_TITLE = "This server skips certificate checks"
    const val CERTIFICATE_CHECKS_OFF = "certificate checks off"
    const val ENROLL_ANYWAY = "Enroll anyway"
    const val MIGRATION_NOT_YET = "Importing a Google Authenticator export is not in the app yet"
    const val NOT_A_CODE = "This QR code is not for an authenticator"

    fun title(kind: ChallengeKind, resource: String): String =
        when (kind) {
            ChallengeKind.LOGIN -> "Sign in to $resource?"
            ChallengeKind.STEP_UP -> "Confirm an action in $resource?"
            ChallengeKind.PASSWORD_RESET -> "Reset your password for $resource?"
            // The server asks this phone to confirm its own new enrollment.
            ChallengeKind.ENROLLMENT_CONFIRM -> "Finish enrolling this phone with $resource?"
        }

    fun status(status: PushAccountStatus): String =
        when (status) {
            PushAccountStatus.ACTIVE -> "active"
            PushAccountStatus.REPLACED -> "moved to another device"
            PushAccountStatus.REVOKED -> "removed by your administrator"
        }

    fun importSummary(format: String, adding: Int, duplicates: Int): String =
        "$format export: $adding new " + (if (adding == 1) "account" else "accounts") +
            if (duplicates > 0) ", $duplicates already here" else ""

    fun importAction(adding: Int): String = if (adding == 1) "Import 1 account" else "Import $adding accounts"

    fun imported(count: Int): String = if (count == 1) "1 account imported" else "$count accounts imported"

    fun burst(count: UInt): String =
        "$count requests in the last minute. If you are not signing in, deny."

    /**
     * What a request the server judged risky says above its details, [reasons]
     * in the user's words ("a new location"); null for a low-risk request.
     * High risk is approved only with the number and the user verified.
     */
    fun riskBanner(level: RiskLevel, reasons: List<String>): String? {
        val why = if (reasons.isEmpty()) "" else ": " + reasons.joinToString(", ")
        return when (level) {
            RiskLevel.LOW -> null
            RiskLevel.MEDIUM -> "Unusual sign-in$why"
            RiskLevel.HIGH ->
                "High-risk sign-in$why. Approve only if this is you; you will be asked for your fingerprint or screen lock."
        }
    }

    fun expiresIn(seconds: Long): String = "Expires in ${seconds}s"

    /** [what] is the core's sentence: lowercase, without a final stop. */
    fun neverShared(what: String): String = "Never shared: $what."
}
