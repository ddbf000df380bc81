// Versions for every module. AGP 8.13 builds for API 36 (Android 16) and needs
// Gradle 8.13+ (the wrapper pins 8.14.3).
plugins {
    id("com.android.application") version "8.13.2" apply false
    id("com.android.library") version "8.13.2" apply false
    id("org.jetbrains.kotlin.android") version "2.2.21" apply false
    id("com.google.gms.google-services") version "4.4.4" apply false
}
