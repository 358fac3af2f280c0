"""Model files the harness manages itself: GGUF models shipped as PyPI packages, and the cache
folder where they are assembled and converted."""
