"""Training: losses, augmentation, EMA, checkpoints and the Trainer loop."""
