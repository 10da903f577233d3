// Replaced by the smoke kernels.
