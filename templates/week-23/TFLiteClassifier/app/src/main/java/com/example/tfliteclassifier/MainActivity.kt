package com.example.tfliteclassifier

import android.Manifest
import android.content.pm.PackageManager
import android.os.Bundle
import android.os.SystemClock
import android.util.Log
import android.widget.TextView
import androidx.activity.result.contract.ActivityResultContracts
import androidx.appcompat.app.AppCompatActivity
import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.core.content.ContextCompat
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors

// Course steps 5-6 (the course gave no code for step 5): CameraX frames -> Classifier -> "Prediction: label".
// Every prediction is also logged under the tag TFLite, so that `adb logcat -s TFLite` shows it.
class MainActivity : AppCompatActivity() {
    private lateinit var textView: TextView
    private lateinit var previewView: PreviewView
    private lateinit var labels: List<String>
    private var classifier: Classifier? = null

    // The interpreter (and a GPU delegate) live on this one thread: created, used and closed there.
    private val worker: ExecutorService = Executors.newSingleThreadExecutor()

    private val askCamera = registerForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) startCamera() else textView.text = getString(R.string.no_camera)
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(R.layout.activity_main)
        textView = findViewById(R.id.textView)
        previewView = findViewById(R.id.previewView)
        labels = assets.open("labels.txt").bufferedReader().readLines().filter { it.isNotBlank() }
        val useGpu = intent.getBooleanExtra("gpu", false)
        worker.execute {
            val c = Classifier(assets, useGpu)
            check(labels.size == c.numClasses) {
                "labels.txt has ${labels.size} labels but the model outputs ${c.numClasses} classes"
            }
            Log.i(TAG, "Model: ${c.inputSize}x${c.inputSize} input, ${c.numClasses} classes, gpu=$useGpu")
            classifier = c
            benchmark()
        }
        if (ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED) {
            startCamera()
        } else {
            askCamera.launch(Manifest.permission.CAMERA)
        }
    }

    private fun startCamera() {
        val providerFuture = ProcessCameraProvider.getInstance(this)
        providerFuture.addListener({
            val provider = providerFuture.get()
            val preview = Preview.Builder().build().also { it.setSurfaceProvider(previewView.surfaceProvider) }
            val analysis = ImageAnalysis.Builder()
                .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_RGBA_8888)
                .build()
            analysis.setAnalyzer(worker) { image -> classify(image) }
            provider.unbindAll()
            provider.bindToLifecycle(this, CameraSelector.DEFAULT_BACK_CAMERA, preview, analysis)
        }, ContextCompat.getMainExecutor(this))
    }

    // Course step 6: the top class of each frame, shown and logged.
    private fun classify(image: ImageProxy) {
        image.use {
            val c = classifier ?: return
            val preprocessedImage = c.preprocess(it.toBitmap())
            val start = SystemClock.elapsedRealtime()
            val probs = c.runInference(preprocessedImage)
            val ms = SystemClock.elapsedRealtime() - start
            val topIdx = probs.indices.maxByOrNull { i -> probs[i] } ?: -1
            if (topIdx < 0) return
            val label = labels[topIdx]
            Log.i(TAG, "Prediction: $label (%.2f) in $ms ms".format(probs[topIdx]))
            runOnUiThread { textView.text = "Prediction: $label" }
        }
    }

    // Step 8: "Expect 2-3x faster inference vs CPU" -- measured, and logged as "Benchmark: cpu_ms=.. gpu_ms=..".
    private fun benchmark() {
        val input = Array(1) { Array(224) { Array(224) { FloatArray(3) } } }
        fun timeIt(c: Classifier): Double {
            repeat(5) { c.runInference(input) }
            val start = SystemClock.elapsedRealtimeNanos()
            repeat(RUNS) { c.runInference(input) }
            return (SystemClock.elapsedRealtimeNanos() - start) / 1e6 / RUNS
        }
        val cpuMs = Classifier(assets, useGpu = false).use { timeIt(it) }
        val gpu = try {
            "gpu_ms=%.1f".format(Classifier(assets, useGpu = true).use { timeIt(it) })
        } catch (e: Exception) {
            "gpu=unavailable (${e.message})"
        }
        Log.i(TAG, "Benchmark: cpu_ms=%.1f %s".format(cpuMs, gpu))
    }

    override fun onDestroy() {
        super.onDestroy()
        worker.execute { classifier?.close() }
        worker.shutdown()
    }

    companion object {
        private const val TAG = "TFLite"
        private const val RUNS = 20
    }
}
