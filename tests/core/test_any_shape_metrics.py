"""Quality metrics on non-square pictures: Inception's square input gets the whole picture, stretched, the
same for real and generated pictures (core/metrics/inception.py)."""

from __future__ import annotations

import torch

from studio.core.metrics.inception import INPUT_SIZE, tf_bilinear_resize


def test_a_landscape_picture_fills_inceptions_square_input_whole():
    img = torch.zeros(1, 3, 16, 24)
    img[:, 0, :, :4] = 1.0  # a red band at the left edge
    img[:, 2, :, -4:] = 1.0  # a blue band at the right edge
    img[:, 1, :2, :] = 1.0  # a green band at the top
    out = tf_bilinear_resize(img, INPUT_SIZE)
    assert out.shape == (1, 3, INPUT_SIZE, INPUT_SIZE)
    # Nothing cropped: both edge bands reach the square's edges, and each covers its share of the width
    # (4 of 24 columns), the top band its share of the height (2 of 16 rows). TF's resize samples the source
    # at output × in/out (no half-pixel centres), so a band from the left or top edge ends half a source
    # pixel early: 3.5 of 24 columns ~ 44 of 299, 1.5 of 16 rows ~ 28 of 299.
    assert out[0, 0, 150, 0] == 1 and out[0, 2, 150, -1] == 1 and out[0, 1, 0, 150] == 1
    red = (out[0, 0, 150] > 0.5).sum().item()
    green = (out[0, 1, :, 150] > 0.5).sum().item()
    assert abs(red - INPUT_SIZE * 3.5 / 24) <= 2 and abs(green - INPUT_SIZE * 1.5 / 16) <= 2
    # No padding: the middle of the square is the picture's middle (black), not a band of another colour.
    assert out[0, :, 150, 150].abs().sum() == 0
