"""GAN Studio: train a GAN on your own image folder, watch it learn, explore and export."""

__version__ = "0.1.0"
