package dev.countersign.app

import dev.countersign.Countersign
import dev.countersign.ffi.AnswerResult
import dev.countersign.ffi.AuthenticatorInterface
import dev.countersign.ffi.AccountItem
import dev.countersign.ffi.BiometricPrompt
import dev.countersign.ffi.CodeItem
import dev.countersign.ffi.CodesUpdate
import dev.countersign.ffi.CodesView
import dev.countersign.ffi.DiagnosticsEnvironment
import dev.countersign.ffi.DiagnosticsSent
import dev.countersign.ffi.ImportPlan
import dev.countersign.ffi.NetworkKind
import dev.countersign.ffi.PushAccountItem
import dev.countersign.ffi.PushRequestItem
import dev.countersign.ffi.ScanEnd
import dev.countersign.protocol.ChallengeKind
import dev.countersign.protocol.RiskLevel
import java.lang.reflect.Proxy
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.Dispatchers

/**
 * The app for screen tests at several SDK levels: each level runs in its own
 * class loader, and the JVM loads a native library into one class loader
 * only, so the TLS set-up (tested on its own in PlatformTlsTest) is skipped,
 * and a screen whose test scripts no core (the diagnostics send on resume
 * asks for one) gets an empty scripted core, never the real vault. The send
 * at start is skipped: the test puts its own core in after onCreate.
 */
open class ScreenTestApp : CountersignApp() {
    init {
        openCore = { Countersign.over(FakeCore(), Dispatchers.Unconfined) }
    }

    override fun initTls() = Unit

    override fun sendDiagnosticsAtStart() = Unit
}

/** One row of the codes view. */
fun code(id: String, issuer: String?, name: String, code: String = "123456", secondsLeft: UInt = 20u) =
    CodeItem(
        id = id,
        issuer = issuer,
        name = name,
        code = code,
        secondsLeft = secondsLeft,
        period = 30u,
        hotpCounter = null,
        unavailable = null,
    )

/** A sign-in request as the core would hand it over. */
fun request(
    id: String = "req-1",
    numberMatching: Boolean = false,
    numberChoices: List<String>? = null,
    biometricRequired: Boolean = false,
    burst: UInt = 1u,
    kind: ChallengeKind = ChallengeKind.LOGIN,
    riskLevel: RiskLevel = RiskLevel.LOW,
    riskReasons: List<String> = emptyList(),
) = PushRequestItem(
    id = id,
    accountId = "acct-1",
    org = "Acme",
    user = "jane@acme.example",
    kind = kind,
    resourceName = "Salesforce",
    ip = "203.0.113.7",
    location = "Berlin, DE",
    browser = "Firefox",
    os = "Linux",
    time = 1_700_000_000,
    message = null,
    issuedAt = 1_700_000_000,
    expiresAt = 1_700_000_060,
    secondsLeft = 42,
    biometricRequired = biometricRequired,
    numberMatching = numberMatching,
    numberChoices = numberChoices,
    burst = burst,
    // The core computes it (PushRequest::answerable_inline); a scripted request mirrors it.
    answerInline = !biometricRequired && !numberMatching && riskLevel == RiskLevel.LOW && numberChoices.isNullOrEmpty(),
    riskLevel = riskLevel,
    riskReasons = riskReasons,
)

/**
 * The core's interface with scripted push answers; every other method (including
 * ones the bindings gain later) throws. Lets app logic be tested without the
 * native library.
 */
open class FakeCore : AuthenticatorInterface by notScripted() {
    val calls = mutableListOf<String>()
    var delivered: () -> PushRequestItem? = { null }
    var pending: () -> List<PushRequestItem> = { emptyList() }
    var approveResult: suspend (String, String?, BiometricPrompt) -> AnswerResult = { _, _, _ -> AnswerResult.Approved }
    var denyResult: (String) -> AnswerResult = { AnswerResult.Denied }
    var lastPayload: ByteArray? = null
    var codeRows: () -> List<CodeItem> = { emptyList() }
    val added = mutableListOf<String>()
    var addResult: (String) -> String = { "acct-new" }
    val moved = mutableListOf<Pair<String, UInt>>()
    var accountRows: () -> List<AccountItem> = { emptyList() }
    val renamed = mutableListOf<Triple<String, String?, String>>()
    val deleted = mutableListOf<String>()

    override suspend fun deleteAccount(id: String) {
        deleted += id
    }

    override suspend fun accounts(search: String?): List<AccountItem> = accountRows()

    var enrolled: (String) -> PushAccountItem = { throw UnsupportedOperationException() }
    val pushAccountRows = mutableListOf<PushAccountItem>()

    override suspend fun pushAccounts(): List<PushAccountItem> = pushAccountRows.toList()

    override suspend fun deletePushAccount(id: String) {
        pushAccountRows.removeAll { it.id == id }
    }

    override suspend fun protectId(): String = "pid-123"

    // Share Diagnostic Data: the settings as the core keeps them, and every
    // call from the app's threads recorded (hence the thread-safe lists).
    @Volatile var diagnostics = true
    @Volatile var diagnosticsAnyNetwork = false
    /** setDiagnosticsEnabled / setDiagnosticsOnAnyNetwork calls, as "enabled true", "anyNetwork false". */
    val diagnosticsSettings = CopyOnWriteArrayList<String>()
    var settingFails: ((String) -> Exception?) = { null }
    val scans = CopyOnWriteArrayList<Triple<ScanEnd, UInt, UInt>>()
    /** Every sendDiagnostics: collector URL, environment and network. */
    val sends = CopyOnWriteArrayList<Triple<String, DiagnosticsEnvironment, NetworkKind>>()
    var sendResult: (NetworkKind) -> DiagnosticsSent = { DiagnosticsSent.NothingQueued }

    override suspend fun diagnosticsEnabled(): Boolean = diagnostics

    override suspend fun setDiagnosticsEnabled(enabled: Boolean) {
        settingFails("enabled $enabled")?.let { throw it }
        diagnosticsSettings += "enabled $enabled"
        diagnostics = enabled
    }

    override suspend fun diagnosticsOnAnyNetwork(): Boolean = diagnosticsAnyNetwork

    override suspend fun setDiagnosticsOnAnyNetwork(any: Boolean) {
        settingFails("anyNetwork $any")?.let { throw it }
        diagnosticsSettings += "anyNetwork $any"
        diagnosticsAnyNetwork = any
    }

    override suspend fun diagnosticsQueue(): List<String> = emptyList()

    override suspend fun noteScan(outcome: ScanEnd, frames: UInt, millis: UInt) {
        scans += Triple(outcome, frames, millis)
    }

    override suspend fun sendDiagnostics(collectorUrl: String, environment: DiagnosticsEnvironment, network: NetworkKind): DiagnosticsSent {
        sends += Triple(collectorUrl, environment, network)
        return sendResult(network)
    }

    override suspend fun enrollPush(
        uri: String,
        scannedAt: Long,
        deviceName: String,
        platform: String,
        pushToken: String?,
        acceptUncheckedCertificates: Boolean,
    ): PushAccountItem = enrolled(uri)

    var importPlan: (ByteArray, String?) -> ImportPlan = { _, _ -> throw UnsupportedOperationException() }
    val imported = mutableListOf<Pair<String, String?>>()

    override suspend fun previewImport(file: ByteArray, password: String?): ImportPlan = importPlan(file, password)

    override suspend fun importFile(file: ByteArray, password: String?): UInt {
        val plan = importPlan(file, password)
        imported += String(file) to password
        return plan.toAdd.size.toUInt()
    }

    override suspend fun rename(id: String, issuer: String?, name: String) {
        renamed += Triple(id, issuer, name)
    }

    override suspend fun codes(): CodesView = CodesView(1_700_000_000, codeRows())

    /** No ticks: the codes flow asks for a whole view every second. */
    override suspend fun codesUpdate(screen: ULong): CodesUpdate? = null

    /** How often the codes screen was closed (the codes flow stopped). */
    var codesViewsClosed = 0

    override fun closeCodesView() {
        codesViewsClosed++
    }

    override suspend fun addAccount(uri: String): String {
        added += uri
        return addResult(uri)
    }

    override suspend fun moveAccount(id: String, position: UInt) {
        moved += id to position
    }

    override suspend fun handlePushPayload(payload: ByteArray): PushRequestItem? {
        calls += "handlePushPayload"
        lastPayload = payload
        return delivered()
    }

    override suspend fun pendingRequests(): List<PushRequestItem> {
        calls += "pendingRequests"
        return pending()
    }

    override suspend fun approve(id: String, number: String?, prompt: BiometricPrompt): AnswerResult {
        calls += "approve $id"
        return approveResult(id, number, prompt)
    }

    override suspend fun deny(id: String, reportFraud: Boolean): AnswerResult {
        calls += "deny $id $reportFraud"
        return denyResult(id)
    }

}

private fun notScripted(): AuthenticatorInterface =
    Proxy.newProxyInstance(AuthenticatorInterface::class.java.classLoader, arrayOf(AuthenticatorInterface::class.java)) { _, method, _ ->
        throw UnsupportedOperationException("FakeCore: ${method.name} is not scripted")
    } as AuthenticatorInterface
