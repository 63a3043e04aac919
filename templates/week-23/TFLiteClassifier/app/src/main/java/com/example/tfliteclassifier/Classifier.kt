package com.example.tfliteclassifier

import android.content.res.AssetFileDescriptor
import android.content.res.AssetManager
import android.graphics.Bitmap
import org.tensorflow.lite.Interpreter
import org.tensorflow.lite.gpu.GpuDelegate // fixed: step 8 used GpuDelegate without importing it
import java.io.FileInputStream // fixed: the course's Classifier.kt did not import it (compile error)
import java.nio.MappedByteBuffer
import java.nio.channels.FileChannel

/** Course step 4: loads mobilenet_v2.tflite from the assets and runs it. */
class Classifier(
    private val assetManager: AssetManager,
    useGpu: Boolean = false,
    modelFile: String = MODEL_FILE,
) : AutoCloseable {
    // Step 8 (optional): the GPU delegate. It must be created, used and closed on one thread.
    private val gpuDelegate: GpuDelegate? = if (useGpu) GpuDelegate() else null
    private val interpreter: Interpreter
    val inputSize: Int
    val numClasses: Int

    init {
        val options = Interpreter.Options()
        gpuDelegate?.let { options.addDelegate(it) }
        interpreter = Interpreter(loadModel(modelFile), options)
        inputSize = interpreter.getInputTensor(0).shape()[1] // 224
        // fixed: the course allocated 1001 floats (a TF-Hub MobileNet with a background class); Keras'
        // MobileNetV2 from Day 157 outputs 1000 classes, and interpreter.run() threw "Cannot copy from a
        // TensorFlowLite tensor ... with shape [1, 1000] to a Java object with shape [1, 1001]".
        numClasses = interpreter.getOutputTensor(0).shape()[1]
    }

    private fun loadModel(model: String): MappedByteBuffer {
        val fileDescriptor: AssetFileDescriptor = assetManager.openFd(model)
        FileInputStream(fileDescriptor.fileDescriptor).use { inputStream ->
            val channel = inputStream.channel
            val startOffset = fileDescriptor.startOffset
            val declaredLength = fileDescriptor.declaredLength
            return channel.map(FileChannel.MapMode.READ_ONLY, startOffset, declaredLength)
        }
    }

    fun runInference(input: Array<Array<Array<FloatArray>>>): FloatArray {
        val output = Array(1) { FloatArray(numClasses) }
        interpreter.run(input, output)
        return output[0]
    }

    /** Course step 5: resize to 224x224 and scale each RGB channel to [-1, 1]. */
    fun preprocess(bitmap: Bitmap): Array<Array<Array<FloatArray>>> {
        val scaled = Bitmap.createScaledBitmap(bitmap, inputSize, inputSize, true)
        val pixels = IntArray(inputSize * inputSize)
        scaled.getPixels(pixels, 0, inputSize, 0, 0, inputSize, inputSize)
        return Array(1) {
            Array(inputSize) { y ->
                Array(inputSize) { x ->
                    val p = pixels[y * inputSize + x]
                    floatArrayOf(normalize(p shr 16), normalize(p shr 8), normalize(p))
                }
            }
        }
    }

    // fixed: Keras' MobileNetV2 expects [-1, 1] (preprocess_input), not the course's [0, 1].
    private fun normalize(channel: Int): Float = (channel and 0xFF) / 127.5f - 1f

    override fun close() {
        interpreter.close()
        gpuDelegate?.close()
    }

    companion object {
        const val MODEL_FILE = "mobilenet_v2.tflite"
    }
}
