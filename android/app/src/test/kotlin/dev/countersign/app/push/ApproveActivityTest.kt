package dev.countersign.app.push

import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.view.WindowManager
import android.widget.Button
import android.widget.EditText
import android.widget.TextView
import dev.countersign.Countersign
import dev.countersign.app.CountersignApp
import dev.countersign.app.FakeCore
import dev.countersign.app.ScreenTestApp
import dev.countersign.app.Text
import dev.countersign.app.find
import dev.countersign.app.idleUntil
import dev.countersign.app.request
import dev.countersign.app.texts
import dev.countersign.ffi.AnswerResult
import dev.countersign.protocol.RiskLevel
import java.time.Duration
import kotlinx.coroutines.Dispatchers
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.annotation.Config

/** The approve screen against a scripted core: what it shows, sends, and keeps. */
@RunWith(RobolectricTestRunner::class)
@Config(application = ScreenTestApp::class)
class ApproveActivityTest {
    private val core = FakeCore()
    private val app get() = RuntimeEnvironment.getApplication() as CountersignApp
    private val answered = mutableListOf<Pair<String, String?>>()

    @Before
    fun scriptedCore() {
        app.openCore = { Countersign.over(core, Dispatchers.Unconfined) }
        core.approveResult = { id, number, _ ->
            answered += id to number
            AnswerResult.Approved
        }
    }

    private fun open(id: String): ActivityController<ApproveActivity> {
        val controller = Robolectric.buildActivity(ApproveActivity::class.java, ApproveActivity.intent(app, id)).setup()
        idleUntil { Text.LOADING !in texts(root(controller)) || controller.get().isFinishing }
        return controller
    }

    private fun idle() = shadowOf(Looper.getMainLooper()).idle()

    private fun root(controller: ActivityController<ApproveActivity>): View = controller.get().window.decorView

    private fun tap(controller: ActivityController<ApproveActivity>, label: String, answers: Boolean = true) {
        val before = answered.size
        find(root(controller), Button::class.java) { it.text.toString() == label }!!.performClick()
        if (answers) idleUntil { answered.size > before } else idle()
    }

    @Test
    fun `it shows the request, counts down, and keeps itself out of screenshots`() {
        core.pending = { listOf(request(id = "r1")) }
        val controller = open("r1")
        val shown = texts(root(controller))
        assertTrue(shown.toString(), "Sign in to Salesforce?" in shown)
        assertTrue(shown.toString(), Text.expiresIn(42) in shown)
        shadowOf(Looper.getMainLooper()).idleFor(Duration.ofSeconds(3))
        // The countdown uses the wall clock; at least it never shows a later time.
        assertTrue(texts(root(controller)).any { it.startsWith("Expires in") })
        assertTrue(controller.get().window.attributes.flags and WindowManager.LayoutParams.FLAG_SECURE != 0)
    }

    @Test
    fun `a number to type is sent as typed, and nothing is sent without one`() {
        core.pending = { listOf(request(id = "r2", numberMatching = true)) }
        val controller = open("r2")
        tap(controller, Text.APPROVE, answers = false)
        assertEquals(emptyList<Pair<String, String?>>(), answered)
        assertTrue(Text.TYPE_NUMBER in texts(root(controller)))
        find(root(controller), EditText::class.java)!!.setText(" 42 ")
        tap(controller, Text.APPROVE)
        assertEquals(listOf("r2" to "42"), answered)
        idleUntil { controller.get().isFinishing }
        assertTrue(controller.get().isFinishing)
    }

    @Test
    fun `numbers to pick from are buttons`() {
        core.pending = { listOf(request(id = "r3", numberMatching = true, numberChoices = listOf("17", "42", "93"))) }
        val controller = open("r3")
        tap(controller, "42")
        assertEquals(listOf("r3" to "42"), answered)
    }

    @Test
    fun `a second request's notification shows and answers the second request`() {
        core.pending = { listOf(request(id = "r4"), request(id = "r5", kind = dev.countersign.protocol.ChallengeKind.STEP_UP)) }
        val controller = open("r4")
        controller.newIntent(ApproveActivity.intent(app, "r5"))
        idleUntil { "Confirm an action in Salesforce?" in texts(root(controller)) }
        assertTrue(texts(root(controller)).toString(), "Confirm an action in Salesforce?" in texts(root(controller)))
        tap(controller, Text.APPROVE)
        assertEquals(listOf("r5" to null), answered)
    }

    @Test
    fun `rotation keeps the request and the typed number`() {
        core.pending = { listOf(request(id = "r6", numberMatching = true)) }
        val controller = open("r6")
        find(root(controller), EditText::class.java)!!.setText("7")
        val fetches = core.calls.count { it == "pendingRequests" }
        controller.recreate()
        idle()
        assertEquals("7", find(root(controller), EditText::class.java)!!.text.toString())
        // Not fetched again: the ViewModel kept it.
        assertEquals(fetches, core.calls.count { it == "pendingRequests" })
    }

    @Test
    fun `a medium-risk request says why above its details, and asks for the number`() {
        core.pending = { listOf(request(id = "r8", riskLevel = RiskLevel.MEDIUM, riskReasons = listOf("a new location", "a new network"))) }
        val controller = open("r8")
        val shown = texts(root(controller))
        val banner = "Unusual sign-in: a new location, a new network"
        assertTrue(shown.toString(), banner in shown)
        // Between the title and the details.
        assertEquals(shown.toString(), shown.indexOf("Sign in to Salesforce?") + 1, shown.indexOf(banner))
        // The core refuses a medium-risk approval without the number, so the screen asks for it.
        tap(controller, Text.APPROVE, answers = false)
        assertEquals(emptyList<Pair<String, String?>>(), answered)
        find(root(controller), EditText::class.java)!!.setText("42")
        tap(controller, Text.APPROVE)
        assertEquals(listOf("r8" to "42"), answered)
    }

    @Test
    fun `a high-risk request warns that the user will be verified`() {
        core.pending = { listOf(request(id = "r9", riskLevel = RiskLevel.HIGH, riskReasons = listOf("too far from your last sign-in for the time between them"))) }
        val controller = open("r9")
        val shown = texts(root(controller))
        assertTrue(
            shown.toString(),
            "High-risk sign-in: too far from your last sign-in for the time between them. " +
                "Approve only if this is you; you will be asked for your fingerprint or screen lock." in shown,
        )
        assertTrue(find(root(controller), EditText::class.java) != null)
    }

    @Test
    fun `a low-risk request shows no banner`() {
        core.pending = { listOf(request(id = "r10", riskReasons = listOf("a new location"))) }
        val controller = open("r10")
        val shown = texts(root(controller))
        assertTrue(shown.toString(), "Sign in to Salesforce?" in shown)
        assertFalse(shown.toString(), shown.any { it.startsWith("Unusual sign-in") || it.startsWith("High-risk sign-in") || "a new location" in it })
        assertEquals(null, find(root(controller), EditText::class.java))
    }

    @Test
    fun `a request that is gone closes the screen and says so`() {
        core.pending = { emptyList() }
        val controller = open("r7")
        assertTrue(controller.get().isFinishing)
    }
}
