package dev.countersign.app.push

import android.content.Context
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment

@RunWith(RobolectricTestRunner::class)
class PushTokenSyncTest {
    private val context: Context = RuntimeEnvironment.getApplication()

    /** A core whose servers answer as scripted: an exception, unreached accounts, or all reached. */
    private class Servers(vararg answers: () -> List<String>) {
        private val script = ArrayDeque(answers.toList())
        val sent = mutableListOf<String?>()

        suspend fun update(token: String?): List<String> {
            sent += token
            return script.removeFirst()()
        }
    }

    @Test
    fun `a rotation that reached no server is sent again at the next start, once`() = runBlocking {
        val servers = Servers({ listOf("acct-1") }, { emptyList() })
        PushTokenSync(context, servers::update).rotated("token-2")
        assertTrue(PushTokenStore(context).unsent)

        // The next start: sent again, then remembered as sent.
        PushTokenSync(context, servers::update).retryIfUnsent()
        PushTokenSync(context, servers::update).retryIfUnsent()
        assertEquals(listOf<String?>("token-2", "token-2"), servers.sent)
        assertFalse(PushTokenStore(context).unsent)
        assertEquals("token-2", PushTokenStore(context).token)
    }

    @Test
    fun `an unusable vault counts as not sent, and a reached rotation is not repeated`() = runBlocking {
        val servers = Servers({ throw IllegalStateException("vault locked") }, { emptyList() }, { emptyList() })
        PushTokenSync(context, servers::update).rotated("token-3")
        assertTrue(PushTokenStore(context).unsent)
        PushTokenSync(context, servers::update).retryIfUnsent()
        assertFalse(PushTokenStore(context).unsent)

        PushTokenSync(context, servers::update).rotated("token-4")
        PushTokenSync(context, servers::update).retryIfUnsent()
        assertEquals(listOf<String?>("token-3", "token-3", "token-4"), servers.sent)
    }
}
