package dev.countersign

import com.sun.net.httpserver.HttpServer
import dev.countersign.ffi.AppPlatform
import dev.countersign.ffi.DeviceKind
import dev.countersign.ffi.DiagnosticsEnvironment
import dev.countersign.ffi.DiagnosticsSent
import dev.countersign.ffi.NetworkKind
import dev.countersign.ffi.ScanEnd
import java.net.InetSocketAddress
import java.util.concurrent.ConcurrentLinkedQueue
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Share Diagnostic Data through the facade, against the real core and a collector on 127.0.0.1. */
class DiagnosticsTest {
    private val environment = DiagnosticsEnvironment("1.4.0", AppPlatform.ANDROID, "14", DeviceKind.PHONE, "de-CH")

    /**
     * A collector on 127.0.0.1 (port chosen by the OS) that answers 202 and
     * keeps every request's path and body. The library the JVM tests load is
     * built with loopback http allowed (scripts/generate-bindings.sh).
     */
    private class Collector : AutoCloseable {
        val requests = ConcurrentLinkedQueue<Pair<String, String>>()
        private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
            createContext("/") { exchange ->
                val body = exchange.requestBody.readBytes().decodeToString()
                requests += exchange.requestURI.path to body
                exchange.sendResponseHeaders(202, -1)
                exchange.close()
            }
            start()
        }
        val url = "http://127.0.0.1:${server.address.port}"

        override fun close() = server.stop(0)
    }

    @Test
    fun `turning sharing off empties the queue, and a scan is queued only while it is on`(): Unit = runBlocking {
        Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
            val before = app.diagnosticsQueue().size
            app.noteScan(ScanEnd.NO_QR, frames = 300, millis = 20_000)
            val queued = app.diagnosticsQueue()
            assertEquals(before + 1, queued.size)
            // Rounded down to powers of two; nothing but the schema's fields.
            assertTrue(
                queued.last().contains("\"event\":\"scan_finished\"") && queued.last().contains("\"outcome\":\"no_qr\"") &&
                    queued.last().contains("\"frames\":256") && queued.last().contains("\"millis\":16384"),
                queued.last(),
            )

            app.setDiagnosticsEnabled(false)
            assertEquals(emptyList<String>(), app.diagnosticsQueue())
            app.noteScan(ScanEnd.DECODED, frames = 12, millis = 800)
            assertEquals(emptyList<String>(), app.diagnosticsQueue(), "nothing is recorded while sharing is off")

            app.setDiagnosticsEnabled(true)
            app.noteScan(ScanEnd.DECODED, frames = 12, millis = 800)
            assertEquals(1, app.diagnosticsQueue().size)
            // Values outside UInt are clamped, not an exception.
            app.noteScan(ScanEnd.CANCELLED, frames = -1, millis = Long.MAX_VALUE)
            assertEquals(2, app.diagnosticsQueue().size)
        }
    }

    @Test
    fun `what is shared lists the fields with their meanings, and what is never shared`() {
        val fields = Countersign.whatIsShared()
        val names = fields.map { it.name }
        for (expected in listOf("install", "app_version", "platform", "language", "event", "outcome", "frames", "millis")) {
            assertTrue(expected in names, "$expected missing from $names")
        }
        assertTrue(fields.all { it.meaning.isNotBlank() }, fields.toString())
        assertEquals(names.size, names.toSet().size, "each field once")
        val never = Countersign.neverShared()
        assertTrue(never.contains("secrets") && never.contains("Protect ID"), never)
    }

    @Test
    fun `with sharing on the queue is sent once an hour, and accepted events leave it`(): Unit = runBlocking {
        Collector().use { collector ->
            Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
                app.noteScan(ScanEnd.DECODED, frames = 4, millis = 300)
                val queued = app.diagnosticsQueue().size
                assertEquals(DiagnosticsSent.Sent(queued.toUInt()), app.sendDiagnostics(collector.url, environment, NetworkKind.UNMETERED))
                val (path, body) = collector.requests.single()
                assertEquals("/v1/diagnostics", path)
                assertTrue(body.contains("\"scan_finished\"") && body.contains("\"language\":\"de\""), body)
                assertFalse(body.contains("de-CH"), "only the locale's language leaves the phone: $body")
                assertEquals(emptyList<String>(), app.diagnosticsQueue())

                app.noteScan(ScanEnd.NO_QR, frames = 100, millis = 5_000)
                val again = app.sendDiagnostics(collector.url, environment, NetworkKind.UNMETERED)
                assertTrue(again is DiagnosticsSent.NotDue && again.retryInSeconds in 1..3600, again.toString())
                assertEquals(1, collector.requests.size, "at most one batch an hour")
            }
        }
    }

    @Test
    fun `with sharing off, or on a network the user did not allow, no request is made`(): Unit = runBlocking {
        Collector().use { collector ->
            Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
                app.setDiagnosticsEnabled(false)
                app.noteScan(ScanEnd.DECODED, frames = 4, millis = 300)
                assertEquals(DiagnosticsSent.Off, app.sendDiagnostics(collector.url, environment, NetworkKind.UNMETERED))
            }
            Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
                assertFalse(app.diagnosticsOnAnyNetwork(), "Wi-Fi only by default")
                assertEquals(DiagnosticsSent.WaitingForNetwork, app.sendDiagnostics(collector.url, environment, NetworkKind.METERED))
                assertEquals(DiagnosticsSent.WaitingForNetwork, app.sendDiagnostics(collector.url, environment, NetworkKind.NONE))
                assertEquals(0, collector.requests.size)

                app.setDiagnosticsOnAnyNetwork(true)
                assertTrue(app.diagnosticsOnAnyNetwork())
                assertTrue(app.sendDiagnostics(collector.url, environment, NetworkKind.METERED) is DiagnosticsSent.Sent)
                assertEquals(1, collector.requests.size)
            }
        }
    }

    @Test
    fun `a collector that is not https is refused before any connection, as the facade's error`(): Unit = runBlocking {
        Countersign.open(tempVault(), MemoryKeyStore()).use { app ->
            assertThrows(CountersignException.InvalidInput::class.java) {
                runBlocking { app.sendDiagnostics("http://collector.example", environment, NetworkKind.UNMETERED) }
            }
            // Nothing was attempted: the queue is still there.
            assertTrue(app.diagnosticsQueue().isNotEmpty())
        }
    }
}
