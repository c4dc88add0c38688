"""Exploring a trained generator: latents, directions, style mixing, projection."""
