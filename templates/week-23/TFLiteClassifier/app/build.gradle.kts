plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    // Course step 1: package com.example.tfliteclassifier, minimum SDK API 23.
    namespace = "com.example.tfliteclassifier"
    compileSdk = 34

    defaultConfig {
        applicationId = "com.example.tfliteclassifier"
        minSdk = 23
        targetSdk = 34
        versionCode = 1
        versionName = "1.0"
    }

    // Classifier.loadModel memory-maps the asset with openFd(), which fails on a compressed asset.
    // (AGP 4.1+ leaves .tflite uncompressed already; said here so that it stays so.)
    androidResources {
        noCompress += "tflite"
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions {
        jvmTarget = "17"
    }
}

dependencies {
    implementation("androidx.core:core-ktx:1.13.1")
    implementation("androidx.appcompat:appcompat:1.7.0")
    // fixed: step 5 uses CameraX, which the course never added.
    implementation("androidx.camera:camera-core:1.3.4")
    implementation("androidx.camera:camera-camera2:1.3.4")
    implementation("androidx.camera:camera-lifecycle:1.3.4")
    implementation("androidx.camera:camera-view:1.3.4")
    // Course step 2 (Kotlin DSL: implementation("...") instead of Groovy's implementation '...').
    // TFLite is now published as LiteRT (com.google.ai.edge.litert); these versions still resolve.
    implementation("org.tensorflow:tensorflow-lite:2.12.0")
    implementation("org.tensorflow:tensorflow-lite-support:0.4.4")
    implementation("org.tensorflow:tensorflow-lite-gpu:2.12.0")
}
