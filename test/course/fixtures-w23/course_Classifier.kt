// The course's Classifier.kt (week 23, step 4), verbatim: used by the test to show that the lab's checks
// catch its mistakes (no FileInputStream import, FloatArray(1001) for a 1000-class model).
import org.tensorflow.lite.Interpreter
import android.content.res.AssetFileDescriptor
import java.nio.MappedByteBuffer
import java.nio.channels.FileChannel
 
class Classifier(private val assetManager: android.content.res.AssetManager) {
    private var interpreter: Interpreter
 
    init {
        interpreter = Interpreter(loadModel("mobilenet_v2.tflite"))
    }
 
    private fun loadModel(model: String): MappedByteBuffer {
        val fileDescriptor: AssetFileDescriptor = assetManager.openFd(model)
        val inputStream = FileInputStream(fileDescriptor.fileDescriptor)
        val channel = inputStream.channel
        val startOffset = fileDescriptor.startOffset
        val declaredLength = fileDescriptor.declaredLength
        return channel.map(FileChannel.MapMode.READ_ONLY, startOffset, declaredLength)
    }
 
    fun runInference(input: Array<Array<Array<FloatArray>>>): FloatArray {
        val output = Array(1) { FloatArray(1001) }
        interpreter.run(input, output)
        return output[0]
    }
}
