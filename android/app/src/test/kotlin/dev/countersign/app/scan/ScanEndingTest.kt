package dev.countersign.app.scan

import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.idleUntil
import dev.countersign.ffi.ScanEnd
import dev.countersign.ffi.ScanKind
import java.nio.ByteBuffer
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config

/** How a camera scan ended, counted by the analyzer and told to the core. */
@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class)
class ScanEndingTest {
    private var now = 0L
    private val analyzer = QrFrameAnalyzer(nanoTime = { now }) { _, _, _, _, _ -> null }

    private fun frame() = analyzer.analyze(ByteBuffer.allocate(16), 4, 1, 4, 4, 0)

    @Test
    fun `the analyzer counts frames and the time from the first`() {
        assertEquals(0, analyzer.frames)
        assertEquals(0, analyzer.millisSinceFirstFrame())
        now = 5_000_000_000
        frame()
        now += 250_000_000
        frame()
        frame()
        now += 1_000_000_000
        assertEquals(3, analyzer.frames)
        assertEquals(1250, analyzer.millisSinceFirstFrame())
    }

    @Test
    fun `a code Countersign can use is decoded, anything else unsupported, and no code is no QR or cancelled`() {
        for (kind in listOf(ScanKind.OTPAUTH, ScanKind.MIGRATION_BATCH, ScanKind.PUSH_ENROLLMENT, ScanKind.PRIVACY_IDEA_PUSH)) {
            assertEquals(kind.name, ScanEnd.DECODED, ScanEnding.codeRead(kind))
        }
        for (kind in listOf(ScanKind.INVALID_OTPAUTH, ScanKind.INVALID_MIGRATION, ScanKind.NOT_AUTHENTICATOR)) {
            assertEquals(kind.name, ScanEnd.UNSUPPORTED_PAYLOAD, ScanEnding.codeRead(kind))
        }
        assertEquals(ScanEnd.NO_QR, ScanEnding.closedAfter(frames = 40))
        assertEquals(ScanEnd.CANCELLED, ScanEnding.closedAfter(frames = 0))
    }

    @Test
    fun `the outcome goes to the core with the frames and milliseconds`() {
        val core = FakeCore()
        val app = RuntimeEnvironment.getApplication() as ScreenTestApp
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
        frame()
        now += 700_000_000
        frame()
        ScanEnding.report(app, analyzer, ScanEnding.closedAfter(analyzer.frames))
        idleUntil { core.scans.isNotEmpty() }
        assertEquals(Triple(ScanEnd.NO_QR, 2u, 700u), core.scans.single())
    }
}
