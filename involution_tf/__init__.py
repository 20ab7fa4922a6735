"""involution_tf: the helper package of the involution course.

``reference`` holds the NumPy references, ``ops.involution`` the fast TensorFlow operator and
``layers.Involution`` the Keras 3 layer. Importing the package registers the layer with Keras's
serialization, so ``import involution_tf`` is all a saved model needs before ``keras.models.load_model``.
"""

from involution_tf import layers  # noqa: F401  (registers Involution with Keras)

__version__ = "0.1.0"
