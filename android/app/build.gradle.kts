// The app in Android Studio. CI compiles src/main/kotlin and runs src/test with
// Maven + Robolectric (pom.xml) against the same sources; src/fcm (Firebase, from
// Google's Maven) is compiled only here.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

// FCM needs the Firebase project's google-services.json (not in the repository).
if (file("google-services.json").exists()) {
    apply(plugin = "com.google.gms.google-services")
}

android {
    namespace = "dev.countersign.app"
    compileSdk = 36

    defaultConfig {
        applicationId = "dev.countersign.app"
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        // Where Share Diagnostic Data sends: the app's own collector, never a
        // push server. A build for another collector (staging, a self-hosted
        // countersign-server) passes -Pcountersign.diagnosticsCollectorUrl=https://…
        // The default is also SendContext.DEFAULT_COLLECTOR_URL (for CI's Maven
        // build, which has no resources); the core refuses anything but https.
        resValue(
            "string",
            "diagnostics_collector_url",
            providers.gradleProperty("countersign.diagnosticsCollectorUrl")
                .getOrElse("https://diagnostics.countersign.dev"),
        )
    }

    buildFeatures {
        // diagnostics_collector_url (defaultConfig); AGP 9 turns resValue off by default.
        resValues = true
    }

    sourceSets {
        getByName("main") {
            java.srcDirs("src/main/kotlin", "src/fcm/kotlin")
        }
        getByName("test") {
            java.srcDirs("src/test/kotlin")
            resources.srcDirs("src/test/resources")
        }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    testOptions {
        unitTests.isIncludeAndroidResources = true
    }
}

kotlin {
    jvmToolchain(17)
}

/**
 * The version of the verifier's Kotlin component must equal that of the
 * `rustls-platform-verifier-android` crate in Cargo.lock: the native half
 * calls it by name, so a mismatch fails at the first https request.
 */
fun rustlsVerifierComponentVersion(): String {
    val lines = rootProject.file("../Cargo.lock").readLines()
    val name = lines.indexOfFirst { it.trim() == "name = \"rustls-platform-verifier-android\"" }
    check(name >= 0) { "rustls-platform-verifier-android is not in Cargo.lock" }
    return lines.drop(name + 1).first { it.trim().startsWith("version = ") }
        .substringAfter('"').substringBefore('"')
}

dependencies {
    implementation(project(":countersign"))
    // The JVM half of rustls-platform-verifier (repository in settings.gradle.kts),
    // at exactly the version the Rust library was built with.
    implementation("rustls:rustls-platform-verifier:${rustlsVerifierComponentVersion()}")
    // androidx where it replaces hand-written code (ADR 0015); the Maven build
    // compiles against the same versions (android/androidx/pom.xml).
    implementation("androidx.core:core-ktx:1.18.0")
    implementation("androidx.activity:activity-ktx:1.13.0")
    implementation("androidx.lifecycle:lifecycle-viewmodel-ktx:2.11.0")
    implementation("androidx.lifecycle:lifecycle-runtime-ktx:2.11.0")
    implementation("androidx.recyclerview:recyclerview:1.4.0")
    implementation(platform("com.google.firebase:firebase-bom:33.7.0"))
    implementation("com.google.firebase:firebase-messaging")

    testImplementation("junit:junit:4.13.2")
    testImplementation("org.robolectric:robolectric:4.16")
    testImplementation("org.jetbrains.kotlinx:kotlinx-coroutines-test:1.10.2")
}
