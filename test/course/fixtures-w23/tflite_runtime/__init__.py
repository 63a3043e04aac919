# Stand-in for the `tflite_runtime` package (the course's Day-151 API); see interpreter.py.
