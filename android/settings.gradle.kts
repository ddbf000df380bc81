// Android Studio / Gradle build of the app. CI has no Android SDK: it compiles
// and tests the same Kotlin with Maven instead (app/pom.xml, countersign/pom.xml).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

// jvmToolchain(17) downloads a JDK 17 when the machine has none (a fresh
// Android Studio ships only its own runtime).
plugins {
    id("org.gradle.toolchains.foojay-resolver-convention") version "1.0.0"
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // rustls-platform-verifier's Kotlin component (how the core's TLS asks
        // Android's trust store) is published by the rustls project here only.
        maven {
            url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/")
            content { includeGroup("rustls") }
        }
    }
}

rootProject.name = "countersign-android"

include(":app")
include(":countersign")
project(":countersign").projectDir = file("countersign")
