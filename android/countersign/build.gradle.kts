// The Kotlin library as an Android library module: the generated uniffi
// bindings (scripts/generate-bindings.sh → target/bindings/kotlin), the facade,
// and the phone builds of libcountersign_ffi.so from cargo-ndk:
//   cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -o target/android/jniLibs \
//       build --release -p countersign-ffi
// Its JVM tests (src/test, JUnit 5 against the host .so) run with Maven (pom.xml).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "dev.countersign"
    compileSdk = 35

    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets {
        getByName("main") {
            java.srcDirs("src/main/kotlin", "../../target/bindings/kotlin")
            jniLibs.srcDirs("../../target/android/jniLibs")
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

dependencies {
    api("net.java.dev.jna:jna:5.17.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}
