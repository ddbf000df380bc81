package dev.countersign

import dev.countersign.ffi.AccountItem
import dev.countersign.ffi.AnswerResult
import dev.countersign.ffi.Authenticator
import dev.countersign.ffi.AuthenticatorInterface
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.BiometricPrompt
import dev.countersign.ffi.CodesUpdate
import dev.countersign.ffi.CodesView
import dev.countersign.ffi.DiagnosticsEnvironment
import dev.countersign.ffi.DiagnosticsSent
import dev.countersign.ffi.FfiException
import dev.countersign.ffi.HardwareKeyStore
import dev.countersign.ffi.ImportPlan
import dev.countersign.ffi.InternalException
import dev.countersign.ffi.KeyStore
import dev.countersign.ffi.NetworkKind
import dev.countersign.ffi.PendingView
import dev.countersign.ffi.PushAccountItem
import dev.countersign.ffi.PushFailureItem
import dev.countersign.ffi.PushRequestItem
import dev.countersign.ffi.ScanCancellation
import dev.countersign.ffi.ScanEnd
import dev.countersign.ffi.ScanItem
import dev.countersign.ffi.StorageProblem
import dev.countersign.ffi.Scanner
import dev.countersign.ffi.SharedFieldItem
import dev.countersign.core.WatchRequest
import dev.countersign.ffi.scanImage
import dev.countersign.ffi.scanImageCancellable
import dev.countersign.ffi.scanLumaFrame
import dev.countersign.ffi.neverShared as coreNeverShared
import dev.countersign.ffi.whatIsShared as coreWhatIsShared
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.isActive
import kotlinx.coroutines.withContext

/**
 * The app's entry to the core: the vault (codes, accounts) and push (enroll,
 * pending, approve, deny). Every call is a thin call into Rust; the rules live
 * there. Calls run on [dispatcher] (IO by default: the core reads SQLite and asks
 * the biometric gate on the calling thread, so never on the main thread) and
 * fail with a [CountersignException] subtype, never with the raw FFI error.
 *
 * Close it (or `use {}`) to close the vault. It wraps every method of the
 * generated [Authenticator]; screens never see the generated API or its
 * `FfiException`.
 */
class Countersign private constructor(
    internal val core: AuthenticatorInterface,
    private val dispatcher: CoroutineDispatcher,
) : AutoCloseable {
    companion object {
        /** Opens (or creates) the vault at [path], its key kept by [keyStore]. */
        fun open(
            path: String,
            keyStore: KeyStore,
            hardwareKeys: HardwareKeyStore? = null,
            dispatcher: CoroutineDispatcher = Dispatchers.IO,
        ): Countersign = mapErrors { Countersign(Authenticator.open(path, keyStore, hardwareKeys), dispatcher) }

        /**
         * The facade over another implementation of the generated interface: a
         * scripted core in an app's unit tests. Its errors are mapped the same way.
         */
        fun over(core: AuthenticatorInterface, dispatcher: CoroutineDispatcher = Dispatchers.IO): Countersign =
            Countersign(core, dispatcher)

        /** A QR code in a PNG, JPEG or WebP image; null when there is none. Large
         * images are scaled down and the scan gives up after 10 s. */
        fun scan(image: ByteArray): ScanItem? = mapErrors { scanImage(image) }

        /**
         * [scan] that [cancellation] can stop from another thread (the user left
         * the screen): then it throws [CountersignException.Cancelled].
         */
        fun scan(image: ByteArray, cancellation: ScanCancellation): ScanItem? =
            mapErrors { scanImageCancellable(image, cancellation) }

        /** One camera frame's luma plane, with every decoding strategy (a still capture). */
        fun scanFrame(width: UInt, height: UInt, rowStride: UInt, rotationDegrees: UInt, luma: ByteArray): ScanItem? =
            mapErrors { scanLumaFrame(width, height, rowStride, rotationDegrees, luma) }

        /**
         * "What is shared": every field a diagnostics batch can carry, with what
         * it means. From the core, so the screen says exactly what can be sent.
         */
        fun whatIsShared(): List<SharedFieldItem> = mapErrors { coreWhatIsShared() }

        /** What is never shared, in one sentence (lowercase, no final stop) for the same screen. */
        fun neverShared(): String = mapErrors { coreNeverShared() }
    }

    private suspend fun <T> call(block: suspend AuthenticatorInterface.() -> T): T =
        withContext(dispatcher) { mapErrors { core.block() } }

    /** The device identity the More screen shows and support asks for. */
    suspend fun protectId(): String = call { protectId() }

    /** "Share Diagnostic Data": on unless the user switched it off. */
    suspend fun diagnosticsEnabled(): Boolean = call { diagnosticsEnabled() }

    /** Off also deletes the queued events and this install's random id at once. */
    suspend fun setDiagnosticsEnabled(enabled: Boolean) = call { setDiagnosticsEnabled(enabled) }

    /** The events waiting to be sent, each as the JSON that would leave the phone (empty while sharing is off). */
    suspend fun diagnosticsQueue(): List<String> = call { diagnosticsQueue() }

    /** "Send over mobile data too": false (the default) sends over Wi-Fi and other unmetered networks only. */
    suspend fun diagnosticsOnAnyNetwork(): Boolean = call { diagnosticsOnAnyNetwork() }

    suspend fun setDiagnosticsOnAnyNetwork(any: Boolean) = call { setDiagnosticsOnAnyNetwork(any) }

    /**
     * How a camera scan ended, after [frames] frames and [millis] ms from the
     * first: queued while sharing is on, nothing otherwise. Out-of-range
     * values are clamped (the core rounds both down to a power of two anyway).
     */
    suspend fun noteScan(outcome: ScanEnd, frames: Int, millis: Long) = call {
        noteScan(outcome, frames.coerceAtLeast(0).toUInt(), millis.coerceIn(0, UInt.MAX_VALUE.toLong()).toUInt())
    }

    /**
     * Sends the queue to [collectorUrl] (the app's build setting, never a push
     * server) if sharing is on, an hour has passed since the last attempt and
     * [network] is one the user allows; otherwise says which of those held it
     * back. A collector that cannot be reached is [CountersignException.Network],
     * one that is busy (5xx, 429) [CountersignException.ServerRefused]: either
     * way the events stay queued for the next hour. A URL that is not https is
     * [CountersignException.InvalidInput].
     */
    suspend fun sendDiagnostics(
        collectorUrl: String,
        environment: DiagnosticsEnvironment,
        network: NetworkKind,
    ): DiagnosticsSent = call { sendDiagnostics(collectorUrl, environment, network) }

    /**
     * What FCM delivered, as the JSON object the core reads: the verified request,
     * or null when it carried none (then call [pending]).
     */
    suspend fun handlePushPayload(payload: ByteArray): PushRequestItem? = call { handlePushPayload(payload) }

    /** What the Watch shows for request [id] (it holds no keys). */
    suspend fun watchRequest(id: String): WatchRequest = call { watchRequest(id) }

    /** The Watch's answer, re-checked and signed on the phone. */
    suspend fun answerFromWatch(
        id: String,
        approve: Boolean,
        number: String? = null,
        reportFraud: Boolean = false,
    ): AnswerResult = call { answerFromWatch(id, approve, number, reportFraud) }

    /** The codes screen now: every account's code and countdown from one clock reading. */
    suspend fun codesNow(): CodesView = call { codes() }

    /**
     * The codes screen, re-read on each whole multiple of [everyMillis] of the wall
     * clock (each second by default, so countdowns change when the second does):
     * one FFI call per tick. While the flow is collected the core keeps each
     * account's key state, so a tick reads nothing from the vault; when
     * collection stops (the screen left, the app went to the background) the
     * core drops and zeroizes them.
     */
    fun codes(everyMillis: Long = 1000): Flow<CodesView> {
        require(everyMillis > 0) { "everyMillis must be positive" }
        return flow {
            try {
                var shown: CodesView? = null
                while (true) {
                    // After the first view only the codes cross the FFI (a
                    // tick); a whole view again when the tick says the rows changed.
                    val last = shown
                    val tick = if (last == null) null else mapErrors { core.codesUpdate(last.screen) }
                    val view = if (last != null && tick != null) last.after(tick) else mapErrors { core.codes() }
                    shown = view
                    emit(view)
                    delay(everyMillis - System.currentTimeMillis() % everyMillis)
                }
            } finally {
                // Synchronous and cheap: safe in a cancelled coroutine.
                core.closeCodesView()
            }
        }.flowOn(dispatcher)
    }

    /** Drops the open codes screen's key states now (see [codes]). */
    fun closeCodesView() = core.closeCodesView()

    /** An account from a scanned or typed otpauth:// URI; returns its id. */
    suspend fun add(uri: String): String = call { addAccount(uri) }

    suspend fun accounts(search: String? = null): List<AccountItem> = call { accounts(search) }

    /**
     * What importing [file] (another authenticator's export, or a Countersign
     * backup) would add; nothing is written. An encrypted file without
     * [password] throws [CountersignException.WrongPassword] with
     * `passwordMissing`.
     */
    suspend fun previewImport(file: ByteArray, password: String? = null): ImportPlan =
        call { previewImport(file, password) }

    /** Adds every new account of [file] in one transaction, or none; returns how many. */
    suspend fun importFile(file: ByteArray, password: String? = null): UInt = call { importFile(file, password) }

    /** The next HOTP code; the counter is saved before it is returned. */
    suspend fun nextHotpCode(id: String): String = call { nextHotpCode(id) }

    suspend fun rename(id: String, issuer: String?, name: String) = call { rename(id, issuer, name) }

    suspend fun move(id: String, position: Int) = call {
        require(position >= 0) { "position must not be negative" }
        moveAccount(id, position.toUInt())
    }

    suspend fun delete(id: String) = call { deleteAccount(id) }

    /**
     * Enrolls this phone from a scanned or typed code, whichever push dialect it
     * is: countersign://enroll, or a privacyIDEA push token's otpauth://pipush/…
     * or pia://pipush/… (its 4096-bit key takes seconds, made off the caller's
     * thread). Anything else is [CountersignException.InvalidInput] naming what
     * the code is. [scannedAtSeconds] is when the code was read (Unix seconds):
     * privacyIDEA's ttl counts from then, so a retry keeps the same deadline. A
     * privacyIDEA code with sslverify=0 throws [CountersignException.CertificateChecksOff]
     * until the user has accepted the warning and this is called again with
     * [acceptUncheckedCertificates].
     */
    suspend fun enrollPush(
        uri: String,
        deviceName: String,
        platform: String = "android",
        pushToken: String? = null,
        acceptUncheckedCertificates: Boolean = false,
        scannedAtSeconds: Long = System.currentTimeMillis() / 1000,
    ): PushAccountItem =
        call { enrollPush(uri, scannedAtSeconds, deviceName, platform, pushToken, acceptUncheckedCertificates) }

    /** Countersign push accounts, then privacyIDEA tokens (`dialect` tells which). */
    suspend fun pushAccounts(): List<PushAccountItem> = call { pushAccounts() }

    /** Removes a push account or privacyIDEA token from this phone only. */
    suspend fun deletePushAccount(id: String) = call { deletePushAccount(id) }

    /** [pending] with the accounts whose servers could not be asked, for a banner. */
    suspend fun pendingReport(): PendingView = call { pendingReport() }

    /**
     * FCM gave this phone a new token (or null: notifications off): tells every
     * server. Returns the accounts to retry later.
     */
    suspend fun updatePushToken(token: String?): List<PushFailureItem> = call { updatePushToken(token) }

    /** The sign-in requests waiting for an answer (app start, pull to refresh). */
    suspend fun pending(): List<PushRequestItem> = call { pendingRequests() }

    /**
     * Approves request [id] (with the [number] the user picked, when number matching
     * is on). When policy requires it the core asks [gate] first; it is called off
     * the main thread and may suspend (show BiometricPrompt, await the callback). A
     * gate that throws fails the approval with [CountersignException.Platform]
     * (its cause the thrown exception) and the request stays answerable.
     */
    suspend fun approve(
        id: String,
        number: String? = null,
        gate: suspend (reason: String) -> BiometricOutcome,
    ): AnswerResult {
        val prompt = GuardedPrompt(gate)
        try {
            return call { approve(id, number, prompt) }
        } catch (error: CountersignException.BiometricFailed) {
            val thrown = prompt.thrown ?: throw error
            throw CountersignException.Platform("the biometric prompt failed: $thrown", thrown)
        }
    }

    suspend fun deny(id: String, reportFraud: Boolean = false): AnswerResult = call { deny(id, reportFraud) }

    override fun close() {
        (core as? AutoCloseable)?.close()
    }
}

/**
 * A live camera session: feed it every preview frame; the first code ends it.
 * Errors arrive as [CountersignException], like the facade's.
 */
class LiveScan : AutoCloseable {
    private val scanner = Scanner()

    fun pushFrame(width: UInt, height: UInt, rowStride: UInt, rotationDegrees: UInt, luma: ByteArray): ScanItem? =
        mapErrors { scanner.pushFrame(width, height, rowStride, rotationDegrees, luma) }

    val isFinished: Boolean get() = scanner.isFinished()

    override fun close() = scanner.close()
}

/**
 * The gate as the core sees it. A throwing gate answers "unavailable" (Rust stops
 * the approval) and the facade reports the exception itself, with the thrown
 * exception as the cause (the core would only see its message).
 */
private class GuardedPrompt(private val gate: suspend (String) -> BiometricOutcome) : BiometricPrompt {
    @Volatile var thrown: Throwable? = null

    // Suspends with the gate (no thread is blocked while the prompt is up). A
    // cancelled approval cancels the gate and goes on cancelling; a gate that
    // cancels itself (its own timeout, a closed screen) is a cancelled prompt.
    override suspend fun confirm(reason: String): BiometricOutcome =
        try {
            gate(reason)
        } catch (cancelled: CancellationException) {
            if (!currentCoroutineContext().isActive) throw cancelled
            BiometricOutcome.CANCELLED
        } catch (error: Throwable) {
            thrown = error
            BiometricOutcome.UNAVAILABLE
        }
}

/**
 * Every way a core call can fail, one subtype per kind the screens act on:
 * [code] is stable (for analytics and tests), [reason] is the core's human
 * message naming what is wrong, [whatToDo] is the next step to offer the user.
 */
sealed class CountersignException(
    val code: String,
    val reason: String,
    val whatToDo: String,
    cause: Throwable? = null,
) : Exception(reason, cause) {
    /** A QR code, URI or value is wrong; [reason] names the field. */
    class InvalidInput(reason: String, cause: Throwable? = null) :
        CountersignException("invalid_input", reason, "Check the code or link and scan or type it again.", cause)
    /** The account is already there as [existingId]: the screen can show it. */
    class Duplicate(val existingId: String, reason: String, cause: Throwable? = null) :
        CountersignException("duplicate", reason, "This account is already in the app.", cause)
    /** [id] names what is missing, when known. */
    class NotFound(val id: String?, reason: String, cause: Throwable? = null) :
        CountersignException("not_found", reason, "Refresh: it was deleted or answered elsewhere.", cause)
    /** The Keystore failed, or the vault key is missing or wrong. */
    class KeyStore(reason: String, cause: Throwable? = null) :
        CountersignException("key_store", reason, "Unlock the phone and try again; if it persists, restore from a backup.", cause)
    /** The vault file: [problem] says which way out to offer; [accountId] the one account affected, if only one is. */
    class Storage(val problem: StorageProblem, val accountId: String?, reason: String, cause: Throwable? = null) :
        CountersignException("storage", reason, storageAdvice(problem), cause)
    class Expired(val secondsAgo: Long, reason: String, cause: Throwable? = null) :
        CountersignException("expired", reason, "Sign in again to get a new request.", cause)
    class AlreadyAnswered(reason: String, cause: Throwable? = null) :
        CountersignException("already_answered", reason, "Nothing to do: this request was already answered.", cause)
    class WrongNumber(reason: String, cause: Throwable? = null) :
        CountersignException("wrong_number", reason, "The request was denied; sign in again and pick the number on the screen.", cause)
    class NumberRequired(reason: String, cause: Throwable? = null) :
        CountersignException("number_required", reason, "Enter the number shown on the sign-in screen.", cause)
    /** The user did not pass the biometric check ([cancelled]: they dismissed it). */
    class BiometricFailed(val cancelled: Boolean, reason: String, cause: Throwable? = null) :
        CountersignException("biometric_failed", reason, "Confirm with your fingerprint or face to approve.", cause)
    class PhoneRequired(reason: String, cause: Throwable? = null) :
        CountersignException("phone_required", reason, "Answer this request on the phone.", cause)
    class DeviceReplaced(reason: String, cause: Throwable? = null) :
        CountersignException("device_replaced", reason, "Another phone was enrolled for this account; remove it here.", cause)
    class DeviceRevoked(reason: String, cause: Throwable? = null) :
        CountersignException("device_revoked", reason, "Your administrator removed this phone; enroll it again.", cause)
    /** The server or a message from it cannot be trusted. */
    class Untrusted(reason: String, cause: Throwable? = null) :
        CountersignException("untrusted", reason, "Do not approve; contact your administrator.", cause)
    class Network(reason: String, cause: Throwable? = null) :
        CountersignException("network", reason, "Check the connection and try again.", cause)
    class RateLimited(val retryAfterSeconds: Long, reason: String, cause: Throwable? = null) :
        CountersignException("rate_limited", reason, "Wait $retryAfterSeconds s and try again.", cause)
    class ServerRefused(reason: String, cause: Throwable? = null) :
        CountersignException("server_refused", reason, "Try again later; if it persists, contact your administrator.", cause)
    /** [passwordMissing]: the file is encrypted and no password was given; otherwise it was wrong. */
    class WrongPassword(val passwordMissing: Boolean, reason: String, cause: Throwable? = null) :
        CountersignException(
            "wrong_password", reason,
            if (passwordMissing) "Type the password the file was exported with." else "Type the file's password again.",
            cause,
        )
    /** The phone's StrongBox / Secure Enclave key failed; not the server's fault. */
    class HardwareKey(reason: String, cause: Throwable? = null) :
        CountersignException("hardware_key", reason, "Unlock the phone and try again; if it keeps failing, remove the account and enroll again.", cause)
    /** The user stopped it (a cancelled image scan): nothing to show. */
    class Cancelled(reason: String, cause: Throwable? = null) :
        CountersignException("cancelled", reason, "Nothing to do.", cause)
    /**
     * Security settings of [accountId] were edited outside the app, or (when
     * [accountId] is null) an older copy of the whole vault was restored.
     */
    class Tampered(val accountId: String?, reason: String, cause: Throwable? = null) :
        CountersignException(
            "tampered", reason,
            if (accountId != null) "Remove this account and add it again from its QR code."
            else "Use the current vault, or import a backup into a new one.",
            cause,
        )
    /** A privacyIDEA code turns certificate checks off for [url]: ask the user first. */
    class CertificateChecksOff(val url: String, reason: String, cause: Throwable? = null) :
        CountersignException("certificate_checks_off", reason, "Enroll only if your administrator said the server has a self-signed certificate.", cause)
    /** A Kotlin callback (key store, biometric gate, hardware keys) failed. */
    class Platform(reason: String, cause: Throwable? = null) :
        CountersignException("platform", reason, "Try again; if it persists, restart the phone.", cause)
    /** A bug: the core panicked or the bindings do not match the library. */
    class Internal(reason: String, cause: Throwable? = null) :
        CountersignException("internal", reason, "Restart the app and report this.", cause)
}

private fun storageAdvice(problem: StorageProblem): String = when (problem) {
    StorageProblem.BUSY -> "Try again in a moment."
    StorageProblem.DISK_FULL -> "Free some space, then try again; nothing was changed."
    StorageProblem.DAMAGED -> "Restore from a backup, or re-add the account named."
    StorageProblem.TOO_NEW -> "Update the app."
    StorageProblem.COUNTER_EXHAUSTED -> "Add this account again from its QR code."
    StorageProblem.OTHER -> "Restart the app, then try again."
}

/** The facade's error for a raw FFI error (each variant, one subtype). */
fun FfiException.toCountersign(): CountersignException = when (this) {
    is FfiException.InvalidInput -> CountersignException.InvalidInput(reason, this)
    is FfiException.Duplicate -> CountersignException.Duplicate(existingId, reason, this)
    is FfiException.NotFound -> CountersignException.NotFound(id, reason, this)
    is FfiException.KeyStore -> CountersignException.KeyStore(reason, this)
    is FfiException.Storage -> CountersignException.Storage(problem, accountId, reason, this)
    is FfiException.Expired -> CountersignException.Expired(secondsAgo, reason, this)
    is FfiException.AlreadyAnswered -> CountersignException.AlreadyAnswered(reason, this)
    is FfiException.WrongNumber -> CountersignException.WrongNumber(reason, this)
    is FfiException.NumberRequired -> CountersignException.NumberRequired(reason, this)
    is FfiException.BiometricFailed -> CountersignException.BiometricFailed(cancelled, reason, this)
    is FfiException.PhoneRequired -> CountersignException.PhoneRequired(reason, this)
    is FfiException.DeviceReplaced -> CountersignException.DeviceReplaced(reason, this)
    is FfiException.DeviceRevoked -> CountersignException.DeviceRevoked(reason, this)
    is FfiException.Untrusted -> CountersignException.Untrusted(reason, this)
    is FfiException.Network -> CountersignException.Network(reason, this)
    is FfiException.RateLimited -> CountersignException.RateLimited(retryAfter, reason, this)
    is FfiException.ServerRefused -> CountersignException.ServerRefused(reason, this)
    is FfiException.WrongPassword -> CountersignException.WrongPassword(passwordMissing, reason, this)
    is FfiException.Platform -> CountersignException.Platform(reason, this)
    is FfiException.Tampered -> CountersignException.Tampered(accountId, reason, this)
    is FfiException.Cancelled -> CountersignException.Cancelled(reason, this)
    is FfiException.HardwareKey -> CountersignException.HardwareKey(reason, this)
    is FfiException.CertificateChecksOff -> CountersignException.CertificateChecksOff(url, reason, this)
}

private inline fun <T> mapErrors(block: () -> T): T =
    try {
        block()
    } catch (error: FfiException) {
        throw error.toCountersign()
    } catch (error: InternalException) {
        throw CountersignException.Internal(error.message ?: "internal error", error)
    }

/** This view one tick later: the same rows with [tick]'s codes and countdowns. */
internal fun CodesView.after(tick: CodesUpdate): CodesView =
    copy(
        now = tick.now,
        items = items.mapIndexed { index, item ->
            item.copy(
                code = tick.codes[index].ifEmpty { null },
                secondsLeft = tick.secondsLeft[index].takeIf { it != 0u },
            )
        },
    )
