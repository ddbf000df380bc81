// Android Studio / Gradle build of the app. CI has no Android SDK: it compiles
// and tests the same Kotlin with Maven instead (app/pom.xml, countersign/pom.xml).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "countersign-android"

include(":app")
include(":countersign")
project(":countersign").projectDir = file("countersign")
