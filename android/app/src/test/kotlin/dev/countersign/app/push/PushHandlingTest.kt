package dev.countersign.app.push

import android.app.Notification
import android.app.NotificationManager
import dev.countersign.Countersign
import dev.countersign.app.FakeCore
import dev.countersign.app.Text
import dev.countersign.app.request
import dev.countersign.ffi.AnswerResult
import dev.countersign.ffi.BiometricOutcome
import dev.countersign.ffi.FfiException
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment

/** What an FCM message and a notification button do, against a scripted core. */
@RunWith(RobolectricTestRunner::class)
class PushHandlingTest {
    private val context = RuntimeEnvironment.getApplication()
    private val manager = context.getSystemService(NotificationManager::class.java)!!
    private val notifications = PushNotifications(context).apply { ensureChannel() }
    private val core = FakeCore()
    private val tags get() = manager.activeNotifications.map { it.tag }

    @Test
    fun `a message carrying the challenge is shown without a fetch`() = runBlocking {
        core.delivered = { request(id = "r1") }
        val shown = PushPayloadHandler(Countersign.over(core), notifications).handle(mapOf("countersign_challenge" to "eyJ.x.y", "countersign_device" to "d1"))
        assertEquals(listOf("r1"), shown.map { it.id })
        assertEquals(listOf("handlePushPayload"), core.calls)
        assertEquals("eyJ.x.y", JSONObject(String(core.lastPayload!!)).getString("countersign_challenge"))
        assertEquals(listOf("r1"), tags)
    }

    @Test
    fun `a wake-up, or a payload that fails to verify, fetches what is waiting`() = runBlocking {
        core.pending = { listOf(request(id = "a"), request(id = "b")) }
        PushPayloadHandler(Countersign.over(core), notifications).handle(mapOf("countersign_device" to "d1"))
        assertEquals(listOf("handlePushPayload", "pendingRequests"), core.calls)
        core.delivered = { throw FfiException.Untrusted("bad signature") }
        core.pending = { throw FfiException.Network("offline") }
        assertEquals(emptyList<Any>(), PushPayloadHandler(Countersign.over(core), notifications).handle(mapOf("countersign_challenge" to "forged")))
        assertEquals(setOf("a", "b"), tags.toSet())
    }

    @Test
    fun `Approve from the notification answers without a prompt and clears it`() = runBlocking {
        notifications.show(request(id = "r1"))
        var gate: BiometricOutcome? = null
        core.approveResult = { _, number, prompt -> assertNull(number); gate = prompt.confirm("x"); AnswerResult.Approved }
        assertEquals(AnswerResult.Approved, PushAnswerer(Countersign.over(core), notifications).answer(PushAction("r1", approve = true)))
        assertEquals(BiometricOutcome.UNAVAILABLE, gate)
        assertEquals(emptyList<String>(), tags)
    }

    @Test
    fun `an approval that asks for a code leaves the code in the notification`() = runBlocking {
        notifications.show(request(id = "r1"))
        core.approveResult = { _, _, _ -> AnswerResult.ApprovedShowCode(code = "42", message = "Enter the code to log in") }
        PushAnswerer(Countersign.over(core), notifications).answer(PushAction("r1", approve = true))
        val shown = manager.activeNotifications.single { it.tag == "r1" }.notification
        assertEquals("Enter the code to log in: 42", shown.extras.getCharSequence(Notification.EXTRA_TITLE).toString())
        assertEquals(Notification.VISIBILITY_PRIVATE, shown.visibility)
    }

    @Test
    fun `Deny answers and clears`() = runBlocking {
        notifications.show(request(id = "r1"))
        assertEquals(AnswerResult.Denied, PushAnswerer(Countersign.over(core), notifications).answer(PushAction("r1", approve = false)))
        assertEquals(listOf("deny r1 false"), core.calls)
        assertEquals(emptyList<String>(), tags)
    }

    @Test
    fun `when the core wants more, the notification says to open the app`() = runBlocking {
        core.approveResult = { _, _, _ -> throw FfiException.NumberRequired("pick the number shown") }
        assertNull(PushAnswerer(Countersign.over(core), notifications).answer(PushAction("r1", approve = true)))
        val n = manager.activeNotifications.single { it.tag == "r1" }.notification
        assertEquals(Text.FINISH_IN_APP, n.extras.getString(Notification.EXTRA_TITLE))
        assertEquals("pick the number shown", n.extras.getString(Notification.EXTRA_TEXT))
    }

    @Test
    fun `an expired or answered request just disappears`() = runBlocking {
        notifications.show(request(id = "r1"))
        core.denyResult = { throw FfiException.Expired(12, "expired 12 s ago") }
        assertNull(PushAnswerer(Countersign.over(core), notifications).answer(PushAction("r1", approve = false)))
        assertEquals(emptyList<String>(), tags)
    }
}
