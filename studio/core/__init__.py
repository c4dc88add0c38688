"""The headless core of GAN Studio: plain PyTorch and Python, never Qt."""
