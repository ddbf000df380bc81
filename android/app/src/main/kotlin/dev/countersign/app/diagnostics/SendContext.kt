package dev.countersign.app.diagnostics

import android.content.Context
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.os.Build
import dev.countersign.ffi.AppPlatform
import dev.countersign.ffi.DeviceKind
import dev.countersign.ffi.DiagnosticsEnvironment
import dev.countersign.ffi.NetworkKind
import java.util.Locale

/**
 * What a diagnostics send needs from Android: where to send (a build
 * setting), the network the phone is on, and the environment a batch
 * describes. The core keeps only what its schema allows of the environment
 * (a version number, the locale's language), whatever is passed.
 */
object SendContext {
    /** The name of the string resource Gradle writes (resValue in app/build.gradle.kts). */
    const val COLLECTOR_RESOURCE = "diagnostics_collector_url"

    /** The same default as app/build.gradle.kts, for a build without that resource (CI's Maven build has no aapt). */
    const val DEFAULT_COLLECTOR_URL = "https://diagnostics.countersign.dev"

    /**
     * The app's diagnostics collector: never a push server the user enrolled
     * with. Looked up by name because the CI build compiles these sources
     * without an R class (see [dev.countersign.app.Text]).
     */
    fun collectorUrl(context: Context): String {
        @Suppress("DiscouragedApi")
        val id = context.resources.getIdentifier(COLLECTOR_RESOURCE, "string", context.packageName)
        return if (id != 0) context.getString(id) else DEFAULT_COLLECTOR_URL
    }

    /**
     * Wi-Fi, Ethernet and any other network Android calls not metered are
     * unmetered; every other network (mobile data, a metered hotspot, one
     * whose capabilities are not known yet) counts as metered, so nothing is
     * sent over it unless the user allowed mobile data; no network is none.
     */
    fun network(connectivity: ConnectivityManager?): NetworkKind {
        val active = connectivity?.activeNetwork ?: return NetworkKind.NONE
        val capabilities = connectivity.getNetworkCapabilities(active)
        return if (capabilities?.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED) == true) {
            NetworkKind.UNMETERED
        } else {
            NetworkKind.METERED
        }
    }

    fun network(context: Context): NetworkKind = network(context.getSystemService(ConnectivityManager::class.java))

    /**
     * This phone or tablet (Android's own line: smallest width 600 dp and up)
     * and the app's version name, the OS release and the locale, as reported.
     */
    fun environment(context: Context): DiagnosticsEnvironment {
        @Suppress("DEPRECATION")
        val version = runCatching { context.packageManager.getPackageInfo(context.packageName, 0).versionName }.getOrNull()
        val tablet = context.resources.configuration.smallestScreenWidthDp >= 600
        return DiagnosticsEnvironment(
            appVersion = version ?: "0",
            platform = AppPlatform.ANDROID,
            osVersion = Build.VERSION.RELEASE ?: "0",
            device = if (tablet) DeviceKind.TABLET else DeviceKind.PHONE,
            locale = Locale.getDefault().toLanguageTag(),
        )
    }
}
