package dev.countersign.app.scan

import dev.countersign.app.CountersignApp
import dev.countersign.ffi.ScanEnd
import dev.countersign.ffi.ScanKind
import kotlinx.coroutines.launch

/**
 * How a camera scan ended, as Share Diagnostic Data counts it. A scan is one
 * [QrFrameAnalyzer]: it ends when a code is read, or when the camera closes
 * without one (the user left, or the screen went to the background).
 * [ScanEnd.TOO_SLOW] is the still-image scan's time limit: the live camera
 * has none, so this screen never reports it.
 */
object ScanEnding {
    /**
     * A code was read: one Countersign can use (an account, an export, a push
     * enrollment) is [ScanEnd.DECODED]; a link, or an otpauth or export code
     * that cannot be read, is [ScanEnd.UNSUPPORTED_PAYLOAD].
     */
    fun codeRead(kind: ScanKind): ScanEnd =
        when (kind) {
            ScanKind.OTPAUTH, ScanKind.MIGRATION_BATCH, ScanKind.PUSH_ENROLLMENT, ScanKind.PRIVACY_IDEA_PUSH -> ScanEnd.DECODED
            ScanKind.INVALID_OTPAUTH, ScanKind.INVALID_MIGRATION, ScanKind.NOT_AUTHENTICATOR -> ScanEnd.UNSUPPORTED_PAYLOAD
        }

    /**
     * The camera closed without a code: frames were read and none held one
     * ([ScanEnd.NO_QR]), or the user left before the first frame arrived
     * ([ScanEnd.CANCELLED]).
     */
    fun closedAfter(frames: Int): ScanEnd = if (frames > 0) ScanEnd.NO_QR else ScanEnd.CANCELLED

    /**
     * Tells the core how [scan] ended, with its frame count and time. In the
     * app's scope, off the main thread, so a screen that is closing does not
     * lose it; a vault that cannot be opened just drops it (diagnostics never
     * get in the user's way).
     */
    fun report(app: CountersignApp, scan: QrFrameAnalyzer, outcome: ScanEnd) {
        val frames = scan.frames
        val millis = scan.millisSinceFirstFrame()
        app.scope.launch { runCatching { app.countersign().noteScan(outcome, frames, millis) } }
    }
}
