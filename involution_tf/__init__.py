"""involution_tf: the helper package of the involution course.

``reference`` holds the NumPy references, ``ops.involution`` the fast TensorFlow operator and
``layers.Involution`` the Keras 3 layer. Submodules are imported on demand so that the NumPy
reference stays usable without TensorFlow.
"""

__version__ = "0.1.0"
