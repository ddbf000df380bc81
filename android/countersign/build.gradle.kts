// The Kotlin library as an Android library module: the generated uniffi
// bindings, the facade, and libcountersign_ffi.so for each phone ABI. Both are
// built from the Rust workspace by the tasks below before the Android build
// needs them, so a fresh checkout builds with `./gradlew assembleDebug` (given
// the NDK, rustup's Android targets and cargo-ndk: README, "Android").
// Its JVM tests (src/test, JUnit 5 against the host .so) run with Maven (pom.xml).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

val workspace = rootProject.file("..")
val jniLibsDir = workspace.resolve("target/android/jniLibs")
val bindingsDir = workspace.resolve("target/bindings")

android {
    namespace = "dev.countersign"
    compileSdk = 36

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
        ndk {
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
    }

    sourceSets {
        getByName("main") {
            java.srcDirs("src/main/kotlin", bindingsDir.resolve("kotlin"))
            jniLibs.srcDirs(jniLibsDir)
        }
        getByName("test") {
            java.setSrcDirs(emptyList<String>())
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

/**
 * The phone libraries, one per ABI, with cargo-ndk (it finds the NDK through
 * ANDROID_NDK_HOME or the SDK's ndk/ folder). 16 KB pages (Android 15+ devices,
 * required by Play for new apps): .cargo/config.toml passes
 * `-z max-page-size=16384` to the linker for every Android target, and NDK r28+
 * aligns its own objects the same way. Release profile: the library is what
 * ships, and a debug build is ten times the size.
 */
val cargoNdk by tasks.registering(Exec::class) {
    group = "build"
    description = "Builds libcountersign_ffi.so for arm64-v8a, armeabi-v7a and x86_64 with cargo-ndk"
    workingDir = workspace
    commandLine(
        "cargo", "ndk",
        "--platform", "26",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", jniLibsDir.path,
        "build", "--release", "--locked", "-p", "countersign-ffi",
    )
    inputs.files(fileTree(workspace) {
        include("Cargo.toml", "Cargo.lock", ".cargo/config.toml", "*/Cargo.toml", "*/src/**")
        exclude("target/**", "android/**")
    })
    outputs.dir(jniLibsDir)
}

/** The Kotlin bindings, generated from the host build of the same crate. */
val generateBindings by tasks.registering(Exec::class) {
    group = "build"
    description = "Generates the uniffi Kotlin bindings into target/bindings/kotlin"
    workingDir = workspace
    commandLine("scripts/generate-bindings.sh", bindingsDir.path)
    inputs.files(fileTree(workspace) {
        include("Cargo.lock", "bindings/**", "core/src/**", "protocol/src/**", "otp/src/**")
        exclude("target/**")
    })
    outputs.dir(bindingsDir.resolve("kotlin"))
}

tasks.matching { it.name.startsWith("merge") && it.name.endsWith("JniLibFolders") }.configureEach {
    dependsOn(cargoNdk)
}
tasks.matching { it.name.startsWith("compile") && it.name.endsWith("Kotlin") }.configureEach {
    dependsOn(generateBindings)
}

dependencies {
    api("net.java.dev.jna:jna:5.17.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}
