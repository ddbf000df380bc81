package dev.countersign.app

import android.content.Context

/**
 * HTTPS on the phone. The core's TLS (rustls-platform-verifier) checks
 * certificates against Android's own trust store through the JVM, and needs the
 * application's [Context] once, before the first request: without it every
 * https request fails. [CountersignApp.onCreate] calls [init] first thing.
 */
object PlatformTls {
    @Volatile private var ready = false

    /**
     * Hands the verifier the context (once per process). [load] loads the
     * native library for this JNI entry: JNA loads it separately for the
     * bindings, and the JVM binds `external` functions only to libraries
     * loaded through `System.load*`.
     */
    @Synchronized
    fun init(context: Context, load: () -> Unit = { System.loadLibrary("countersign_ffi") }) {
        if (ready) return
        load()
        // A failure is thrown by the native side as a RuntimeException; the
        // next call tries again.
        check(nativeInit(context.applicationContext ?: context)) { "the TLS verifier could not be set up" }
        ready = true
    }

    @JvmStatic
    private external fun nativeInit(context: Context): Boolean
}
