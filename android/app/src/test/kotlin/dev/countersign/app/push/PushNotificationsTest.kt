package dev.countersign.app.push

import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.os.Build
import dev.countersign.app.Text
import dev.countersign.app.request
import dev.countersign.protocol.ChallengeKind
import dev.countersign.protocol.RiskLevel
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
class PushNotificationsTest {
    private val context: Context = RuntimeEnvironment.getApplication()
    private val manager = context.getSystemService(NotificationManager::class.java)!!
    private val notifications = PushNotifications(context)

    @Before
    fun channel() = notifications.ensureChannel()

    @Test
    fun `the push channel alerts with high importance and hides details on the lock screen`() {
        val channel = manager.getNotificationChannel(PushNotifications.CHANNEL)
        assertEquals(NotificationManager.IMPORTANCE_HIGH, channel.importance)
        assertEquals(Text.CHANNEL_NAME, channel.name)
        assertEquals(Notification.VISIBILITY_PRIVATE, channel.lockscreenVisibility)
    }

    @Test
    @Config(sdk = [26, 30, 33, 35])
    fun `the inline Approve unlocks the phone first where Android can ask for it`() {
        val (approve, deny) = notifications.build(request()).actions.toList()
        assertEquals(Text.APPROVE, approve.title.toString())
        if (Build.VERSION.SDK_INT >= 31) {
            assertTrue(approve.isAuthenticationRequired)
            assertFalse(deny.isAuthenticationRequired)
        }
        assertEquals(PushNotifications.CHANNEL, manager.getNotificationChannel(PushNotifications.CHANNEL).id)
    }

    @Test
    fun `a plain request offers Approve and Deny inline, with who, where and when`() {
        val n = notifications.build(request())
        assertEquals("push", n.channelId)
        assertEquals("Sign in to Salesforce?", n.extras.getString(Notification.EXTRA_TITLE))
        assertEquals("jane@acme.example · Acme", n.extras.getString(Notification.EXTRA_TEXT))
        val big = n.extras.getCharSequence(Notification.EXTRA_BIG_TEXT).toString()
        assertTrue(big, big.contains("Berlin, DE · 203.0.113.7"))
        assertTrue(big, big.contains("Firefox on Linux"))
        assertFalse(big, big.contains("requests in the last minute"))
        assertEquals(1_700_000_000_000, n.`when`)
        assertEquals(42_000, n.timeoutAfter)
        assertEquals(Notification.VISIBILITY_PRIVATE, n.visibility)
        assertEquals(Text.PUBLIC_TITLE, n.publicVersion.extras.getString(Notification.EXTRA_TITLE))

        assertEquals(listOf(Text.APPROVE, Text.DENY), n.actions.map { it.title.toString() })
        for ((action, expected) in n.actions.zip(listOf(PushAction.APPROVE, PushAction.DENY))) {
            val pending = shadowOf(action.actionIntent)
            assertTrue(pending.isBroadcast)
            assertTrue(action.actionIntent.isImmutable)
            assertEquals(PushActionReceiver::class.java.name, pending.savedIntent.component!!.className)
            assertEquals(expected, pending.savedIntent.action)
            assertEquals("req-1", pending.savedIntent.getStringExtra(PushAction.EXTRA_REQUEST_ID))
            assertEquals(PushAction(request().id, expected == PushAction.APPROVE), PushAction.from(pending.savedIntent))
        }
        val open = shadowOf(n.contentIntent)
        assertTrue(open.isActivity)
        assertEquals(ApproveActivity::class.java.name, open.savedIntent.component!!.className)
        assertEquals("req-1", PushNotifications.requestIdOf(open.savedIntent))
    }

    @Test
    fun `number matching opens the app instead of approving inline`() {
        val n = notifications.build(request(numberMatching = true, numberChoices = listOf("17", "42", "86")))
        assertEquals(listOf(Text.DENY), n.actions.map { it.title.toString() })
        assertEquals(Text.CHOOSE_NUMBER, n.extras.getString(Notification.EXTRA_SUB_TEXT))
        assertEquals(ApproveActivity::class.java.name, shadowOf(n.contentIntent).savedIntent.component!!.className)
        assertTrue(shadowOf(n.contentIntent).isActivity)
    }

    @Test
    fun `a request that needs the user confirmed opens the app too`() {
        val n = notifications.build(request(biometricRequired = true))
        assertEquals(listOf(Text.DENY), n.actions.map { it.title.toString() })
        assertEquals(Text.CONFIRM_IN_APP, n.extras.getString(Notification.EXTRA_SUB_TEXT))
    }

    @Test
    fun `a high-risk request offers only Deny and says why first`() {
        val n = notifications.build(request(riskLevel = RiskLevel.HIGH, riskReasons = listOf("a new location", "an unusual time of day for you")))
        assertEquals(listOf(Text.DENY), n.actions.map { it.title.toString() })
        val big = n.extras.getCharSequence(Notification.EXTRA_BIG_TEXT).toString()
        assertEquals(
            big,
            "High-risk sign-in: a new location, an unusual time of day for you. " +
                "Approve only if this is you; you will be asked for your fingerprint or screen lock.",
            big.lines().first(),
        )
        assertTrue(big, big.contains("Berlin, DE · 203.0.113.7"))
        assertEquals(ApproveActivity::class.java.name, shadowOf(n.contentIntent).savedIntent.component!!.className)
    }

    @Test
    fun `a medium-risk request opens the app for the number, with the reasons`() {
        val n = notifications.build(request(riskLevel = RiskLevel.MEDIUM, riskReasons = listOf("a new network")))
        assertEquals(listOf(Text.DENY), n.actions.map { it.title.toString() })
        assertEquals(Text.CHOOSE_NUMBER, n.extras.getString(Notification.EXTRA_SUB_TEXT))
        val big = n.extras.getCharSequence(Notification.EXTRA_BIG_TEXT).toString()
        assertEquals(big, "Unusual sign-in: a new network", big.lines().first())
    }

    @Test
    fun `a low-risk request has no risk line`() {
        val big = notifications.build(request()).extras.getCharSequence(Notification.EXTRA_BIG_TEXT).toString()
        assertEquals(big, "jane@acme.example · Acme", big.lines().first())
    }

    @Test
    fun `a burst of requests is called out`() {
        val big = notifications.build(request(burst = 4u)).extras.getCharSequence(Notification.EXTRA_BIG_TEXT).toString()
        assertTrue(big, big.contains(Text.burst(4u)))
        assertEquals("Reset your password for Salesforce?", notifications.build(request(kind = ChallengeKind.PASSWORD_RESET)).extras.getString(Notification.EXTRA_TITLE))
    }

    @Test
    fun `each request gets its own PendingIntents`() {
        val a = notifications.build(request(id = "a")).actions[0].actionIntent
        val b = notifications.build(request(id = "b")).actions[0].actionIntent
        assertFalse(a == b)
        assertEquals("a", shadowOf(a).savedIntent.getStringExtra(PushAction.EXTRA_REQUEST_ID))
        assertEquals("b", shadowOf(b).savedIntent.getStringExtra(PushAction.EXTRA_REQUEST_ID))
    }

    @Test
    fun `show posts one notification per request and cancel removes it`() {
        notifications.show(request(id = "a"))
        notifications.show(request(id = "b"))
        assertEquals(setOf("a", "b"), manager.activeNotifications.map { it.tag }.toSet())
        notifications.cancel("a")
        assertEquals(listOf("b"), manager.activeNotifications.map { it.tag })
        notifications.showFinishInApp("b", "Pick the number")
        val replaced = manager.activeNotifications.single()
        assertEquals(Text.FINISH_IN_APP, replaced.notification.extras.getString(Notification.EXTRA_TITLE))
        assertNull(replaced.notification.actions)
        assertNotNull(replaced.notification.contentIntent)
    }

    @Test
    fun `intents that are not ours are ignored`() {
        assertNull(PushAction.from(null))
        assertNull(PushAction.from(android.content.Intent("other").putExtra(PushAction.EXTRA_REQUEST_ID, "x")))
        assertNull(PushAction.from(android.content.Intent(PushAction.APPROVE)))
        assertEquals(PendingIntent.FLAG_IMMUTABLE, PushNotifications.PENDING_FLAGS and PendingIntent.FLAG_IMMUTABLE)
    }
}
