// Top-level build file: the plugin versions for the whole project (Android Gradle Plugin 8, Kotlin).
plugins {
    id("com.android.application") version "8.5.2" apply false
    id("org.jetbrains.kotlin.android") version "1.9.24" apply false
}
