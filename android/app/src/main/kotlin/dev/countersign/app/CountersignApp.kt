package dev.countersign.app

import android.app.Application
import dev.countersign.Countersign
import dev.countersign.app.diagnostics.DiagnosticsSender
import dev.countersign.app.diagnostics.WhatIsShared
import dev.countersign.app.gate.CryptoPromptLauncher
import dev.countersign.app.keys.AndroidKeystoreHardwareKeys
import dev.countersign.app.keys.AndroidKeystoreSecretStore
import dev.countersign.app.push.PushNotifications
import dev.countersign.app.push.PushPayloadHandler
import dev.countersign.app.push.PushTokenSync
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Holds the one core object. The vault opens on first use, off the main thread;
 * if it fails (Keystore trouble) the next call tries again.
 */
open class CountersignApp : Application() {
    /** Work that outlives a screen: notification actions, push handling. */
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    /** The screen in front: where a user-key prompt appears. */
    val foreground = ForegroundActivity()

    /** How the core is opened: the vault in app storage; screen tests put a scripted core here first. */
    @Volatile
    var openCore: () -> Countersign = {
        Countersign.open(
            File(filesDir, VAULT_FILE).path,
            AndroidKeystoreSecretStore.create(this),
            hardwareKeys = AndroidKeystoreHardwareKeys(this, CryptoPromptLauncher.userKeyPrompt(foreground::current)),
        )
    }

    private val opened = lazy { openCore() }

    val notifications by lazy { PushNotifications(this) }

    /** Share Diagnostic Data: asks the core to send at start and whenever a screen comes to the foreground. */
    val diagnostics by lazy { DiagnosticsSender(this, scope) { countersign() } }

    /** What the "What is shared" screen lists: the core's own list; screen tests put a scripted one here. */
    @Volatile
    var whatIsShared: () -> WhatIsShared = WhatIsShared::fromCore

    override fun onCreate() {
        super.onCreate()
        registerActivityLifecycleCallbacks(foreground)
        registerActivityLifecycleCallbacks(diagnostics)
        // Before anything can reach a push server over https.
        initTls()
        notifications.ensureChannel()
        scope.launch { pushTokenSync().retryIfUnsent() }
        sendDiagnosticsAtStart()
    }

    /** Loads the native library for its JNI entry and hands the verifier the context. */
    protected open fun initTls() = PlatformTls.init(this)

    /**
     * A process started without a screen (a push, a notification action)
     * sends too. Screen tests skip it: it would open the core before the test
     * has put its scripted one in [openCore].
     */
    protected open fun sendDiagnosticsAtStart() = diagnostics.send()

    fun pushTokenSync(): PushTokenSync = PushTokenSync(this) { countersign().updatePushToken(it) }

    /** The core; throws [dev.countersign.CountersignException] when the vault cannot be opened. */
    suspend fun countersign(): Countersign = withContext(Dispatchers.IO) { opened.value }

    suspend fun pushPayloadHandler(): PushPayloadHandler = PushPayloadHandler(countersign(), notifications)

    companion object {
        const val VAULT_FILE = "vault.sqlite"
    }
}
