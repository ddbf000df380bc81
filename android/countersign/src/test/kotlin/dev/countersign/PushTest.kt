package dev.countersign

import dev.countersign.ffi.AnswerResult
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.BiometricPrompt
import dev.countersign.ffi.FfiException
import dev.countersign.ffi.PushDialect
import dev.countersign.ffi.PushRequestItem
import dev.countersign.core.PushAccountStatus
import dev.countersign.protocol.ChallengeKind
import java.net.ServerSocket
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows

/**
 * Push end to end from Kotlin: the reference server as a child process, the
 * admin and relying-party APIs over java.net.http, the phone through the facade.
 * Each test uses its own resource, so the server's one-pending-push-per-resource
 * limit never couples them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushTest {
    private lateinit var server: ReferenceServer
    private lateinit var phone: Countersign
    private val resources = AtomicInteger()

    @BeforeAll
    fun start() = runBlocking {
        server = ReferenceServer.start()
        server.admin("POST", "/v1/admin/users", """{"name":"jane"}""")
        phone = Countersign.open(tempVault(), MemoryKeyStore())
        val account = phone.enrollPush(enrollmentUri("jane"), deviceName = "Pixel 8")
        assertEquals(listOf("jane", "Example Corp", PushAccountStatus.ACTIVE, server.baseUrl),
            listOf(account.user, account.org, account.status, account.serverUrl))
        assertEquals(listOf(account), phone.pushAccounts())
    }

    @AfterAll
    fun stop() {
        if (::phone.isInitialized) phone.close()
        if (::server.isInitialized) server.close()
    }

    private fun enrollmentUri(user: String): String =
        jsonString(server.admin("POST", "/v1/admin/users/$user/enrollments", """{"kind":"push"}"""), "uri")!!

    /** A new resource whose policy requires the biometric check; returns its id. */
    private fun resource(name: String): String {
        val id = "r${resources.incrementAndGet()}"
        server.admin("POST", "/v1/admin/resources", """{"id":"$id","name":"$name","biometric":"required"}""")
        return id
    }

    private class Push(val id: String, val number: String?)

    /** The relying party starts a sign-in push, as POST /v1/pushes with its bearer token. */
    private fun push(user: String, resource: String, time: Long = System.currentTimeMillis() / 1000): Push {
        val reply = server.rp("POST", "/v1/pushes", """{"user":"$user","resource":"$resource",
            "context":{"ip":"203.0.113.5","location":"Berlin, DE","browser":"Firefox","os":"Linux","time":$time}}""")
        assertEquals(201, reply.status, reply.body)
        return Push(jsonString(reply.body, "id")!!, jsonString(reply.body, "number"))
    }

    private fun status(id: String): String {
        val reply = server.rp("GET", "/v1/pushes/$id")
        assertEquals(200, reply.status, reply.body)
        return reply.body
    }

    private suspend fun pendingOne(id: String): PushRequestItem =
        phone.pending().singleOrNull { it.id == id } ?: error("push $id is not pending on the phone")

    @Test
    fun `a push arrives with its app, location and time and is approved through the gate`(): Unit = runBlocking {
        val resource = resource("Acme VPN")
        val before = System.currentTimeMillis() / 1000
        val push = push("jane", resource)
        val request = pendingOne(push.id)
        val after = System.currentTimeMillis() / 1000
        assertEquals(listOf(ChallengeKind.LOGIN, "Acme VPN", "jane", "Example Corp"),
            listOf(request.kind, request.resourceName, request.user, request.org))
        assertEquals(listOf("Berlin, DE", "203.0.113.5", "Firefox", "Linux"),
            listOf(request.location, request.ip, request.browser, request.os))
        assertTrue(request.issuedAt in before - 1..after + 1, "issued at ${request.issuedAt}, not in $before..$after")
        assertEquals(60, request.expiresAt - request.issuedAt)
        assertTrue(request.secondsLeft in 50..60, "${request.secondsLeft}")
        assertTrue(request.biometricRequired && request.numberMatching)
        assertTrue(push.number != null, "number matching is on: the RP gets the number")

        val reasons = Collections.synchronizedList(mutableListOf<String>())
        val testThread = Thread.currentThread()
        var gateThread: Thread? = null
        val answer = phone.approve(push.id, push.number) { reason ->
            reasons += reason
            gateThread = Thread.currentThread()
            BiometricOutcome.PASSED
        }
        assertEquals(AnswerResult.Approved, answer)
        assertEquals(1, reasons.size, "the gate is asked once")
        assertTrue(reasons[0].isNotBlank())
        assertNotEquals(testThread, gateThread, "the gate runs off the caller's thread")
        val status = status(push.id)
        assertEquals("approved", jsonString(status, "status"), status)
        assertEquals(true, jsonBoolean(status, "uv"), "the server saw user verification: $status")
        assertTrue(phone.pending().none { it.id == push.id })
    }

    @Test
    fun `the user refusing at the gate is a typed error and the push stays answerable`(): Unit = runBlocking {
        val push = push("jane", resource("Payroll"))
        pendingOne(push.id)
        val failed = assertThrows<CountersignException.BiometricFailed> {
            runBlocking { phone.approve(push.id, push.number) { BiometricOutcome.FAILED } }
        }
        assertFalse(failed.cancelled)
        val cancelled = assertThrows<CountersignException.BiometricFailed> {
            runBlocking { phone.approve(push.id, push.number) { BiometricOutcome.CANCELLED } }
        }
        assertTrue(cancelled.cancelled)
        assertEquals("biometric_failed", cancelled.code)
        assertTrue(cancelled.whatToDo.isNotBlank())
        assertThrows<CountersignException.BiometricFailed> {
            runBlocking { phone.approve(push.id, push.number) { BiometricOutcome.UNAVAILABLE } }
        }
        assertEquals("pending", jsonString(status(push.id), "status"))
        assertEquals(AnswerResult.Approved, phone.approve(push.id, push.number) { BiometricOutcome.PASSED })
        assertEquals("approved", jsonString(status(push.id), "status"))
    }

    @Test
    fun `a gate that throws is a typed error, not a crash, and the push stays answerable`(): Unit = runBlocking {
        val push = push("jane", resource("Wiki"))
        pendingOne(push.id)
        val boom = IllegalStateException("BiometricPrompt: activity destroyed")
        val error = assertThrows<CountersignException.Platform> {
            runBlocking { phone.approve(push.id, push.number) { throw boom } }
        }
        assertSame(boom, error.cause)
        assertTrue(error.reason.contains("activity destroyed"), error.reason)
        assertEquals("pending", jsonString(status(push.id), "status"))

        // A gate that cancels itself (its own timeout, a closed screen) is a
        // cancelled prompt, not a platform failure; the push stays answerable.
        val closed = assertThrows<CountersignException.BiometricFailed> {
            runBlocking { phone.approve(push.id, push.number) { throw CancellationException("screen closed") } }
        }
        assertTrue(closed.cancelled, closed.reason)
        assertEquals("pending", jsonString(status(push.id), "status"))

        // Through the raw binding the gate's exception crosses into Rust as the
        // trait's error (FfiError.Platform): the approval stops with a typed
        // BiometricFailed naming it, and nothing panics.
        val raw = object : BiometricPrompt {
            override suspend fun confirm(reason: String): BiometricOutcome = throw IllegalStateException("raw gate")
        }
        val rawError = assertThrows<FfiException.BiometricFailed> { runBlocking { phone.core.approve(push.id, push.number, raw) } }
        assertTrue(rawError.reason.contains("raw gate"), rawError.reason)
        assertFalse(rawError.cancelled)
        assertEquals("pending", jsonString(status(push.id), "status"))
        assertEquals(AnswerResult.Approved, phone.approve(push.id, push.number) { BiometricOutcome.PASSED })
        assertEquals("approved", jsonString(status(push.id), "status"))
    }

    @Test
    fun `the report lists requests with the sign-in time, and a new push token is taken`(): Unit = runBlocking {
        val time = System.currentTimeMillis() / 1000 - 30
        val push = push("jane", resource("Files"), time)
        val report = phone.pendingReport()
        assertTrue(report.failures.isEmpty(), "${report.failures}")
        val request = report.requests.single { it.id == push.id }
        assertEquals(time, request.time, "the relying party's sign-in time")
        assertEquals(null, request.message)
        assertTrue(phone.updatePushToken("fcm-rotated-token").isEmpty())
        assertTrue(phone.pushAccounts().all { it.dialect == PushDialect.COUNTERSIGN })
        phone.deny(push.id)
    }

    @Test
    fun `a push is denied, and answering it again is already answered`(): Unit = runBlocking {
        val push = push("jane", resource("Mail"))
        assertEquals("pending", jsonString(status(push.id), "status"))
        pendingOne(push.id)
        assertEquals(AnswerResult.Denied, phone.deny(push.id))
        val status = status(push.id)
        assertEquals("denied", jsonString(status, "status"), status)
        assertEquals(false, jsonBoolean(status, "fraud"))
        assertTrue(phone.pending().none { it.id == push.id })
        assertThrows<CountersignException.AlreadyAnswered> {
            runBlocking { phone.approve(push.id, push.number) { BiometricOutcome.PASSED } }
        }
    }

    @Test
    fun `the Watch answers through the facade, and a push payload without a challenge asks for a fetch`(): Unit = runBlocking {
        // A relying-party resource without the biometric rule: the Watch may approve it.
        server.admin("POST", "/v1/admin/resources", """{"id":"watch","name":"Watch app","biometric":"optional"}""")
        val push = push("jane", "watch")
        pendingOne(push.id)
        val shown = phone.watchRequest(push.id)
        assertEquals("Sign in to Watch app", shown.title)
        assertEquals(AnswerResult.Approved, phone.answerFromWatch(push.id, approve = true, number = push.number))
        assertEquals("approved", jsonString(status(push.id), "status"))
        assertNull(phone.handlePushPayload("""{"data":{"countersign_device":"x"}}""".toByteArray()))
        assertThrows<CountersignException.Untrusted> { runBlocking { phone.handlePushPayload("not json".toByteArray()) } }
    }

    @Test
    fun `a wrong number is a typed error and denies the push`(): Unit = runBlocking {
        val push = push("jane", resource("CRM"))
        pendingOne(push.id)
        val wrong = push.number!!.map { '0' + (it - '0' + 1) % 10 }.joinToString("")
        val error = assertThrows<CountersignException.WrongNumber> {
            runBlocking { phone.approve(push.id, wrong) { BiometricOutcome.PASSED } }
        }
        assertEquals("wrong_number", error.code)
        assertEquals("denied", jsonString(status(push.id), "status"))
    }

    @Test
    fun `an unknown request, a used enrollment and an unreachable server are typed errors`(): Unit = runBlocking {
        assertThrows<CountersignException.NotFound> {
            runBlocking { phone.approve("ch_does_not_exist", null) { BiometricOutcome.PASSED } }
        }
        server.admin("POST", "/v1/admin/users", """{"name":"sam"}""")
        val uri = enrollmentUri("sam")
        val deadPort = ServerSocket(0).use { it.localPort }
        val port = server.baseUrl.substringAfterLast(':')
        val unreachable = uri.replace("%3A$port", "%3A$deadPort")
        assertNotEquals(uri, unreachable)
        Countersign.open(tempVault(), MemoryKeyStore()).use { other ->
            assertThrows<CountersignException.Network> { runBlocking { other.enrollPush(unreachable, "Pixel") } }
            other.enrollPush(uri, "Pixel")
            assertThrows<CountersignException.InvalidInput> { runBlocking { other.enrollPush(uri, "Pixel") } }
        }
    }

    @Test
    fun `enrolling a second phone replaces the first, whose answers are then refused`(): Unit = runBlocking {
        server.admin("POST", "/v1/admin/users", """{"name":"ann"}""")
        Countersign.open(tempVault(), MemoryKeyStore()).use { first ->
            first.enrollPush(enrollmentUri("ann"), "old phone")
            val push = push("ann", "portal")
            assertEquals(listOf(push.id), first.pending().map { it.id })
            Countersign.open(tempVault(), MemoryKeyStore()).use { second ->
                second.enrollPush(enrollmentUri("ann"), "new phone")
                assertEquals(emptyList<PushRequestItem>(), first.pending())
                assertEquals(PushAccountStatus.REPLACED, first.pushAccounts().single().status)
                assertThrows<CountersignException.DeviceReplaced> {
                    runBlocking { first.approve(push.id, push.number) { BiometricOutcome.PASSED } }
                }
                assertEquals(PushAccountStatus.ACTIVE, second.pushAccounts().single().status)
            }
        }
    }
}
