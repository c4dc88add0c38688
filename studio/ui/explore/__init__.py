"""The Explore tab: latent canvas, directions, style mixer and export, one widget per file."""
