// The project Android Studio's "Empty Activity" wizard makes (course step 1), in the Kotlin DSL that new
// projects use (the course showed Groovy's app/build.gradle). Needs Google's Maven and Maven Central.
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
rootProject.name = "TFLiteClassifier"
include(":app")
