# Stand-in for JetPack's `tensorrt` Python bindings (apt's python3-libnvinfer), which CI cannot have.
# Only the version of JetPack 4.6.1's TensorRT; nothing else.
__version__ = "8.2.1.8"
