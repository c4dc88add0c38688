"""core/images.py: the snapshot grid is torchvision's make_grid layout pixel for pixel (it replaced it, to
keep the module torch-free at import), for one image, a full square and a ragged last row."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.utils import make_grid

from studio.core.images import grid_image, images_to_uint8


@pytest.mark.parametrize("n", [1, 5, 16])
def test_grid_image_is_make_grid(n):
    images = torch.rand(n, 3, 6, 7, generator=torch.Generator().manual_seed(n)) * 2.4 - 1.2  # some clipped
    want = make_grid(images_to_uint8(images), nrow=max(1, int(np.ceil(np.sqrt(n)))), padding=2, pad_value=0)
    got = grid_image(images)
    assert got.dtype == np.uint8 and np.array_equal(got, want.permute(1, 2, 0).numpy())


def test_uint8_truncates_and_clips():
    x = torch.tensor([-1.5, -1.0, 0.0, 0.996, 1.0, 2.0]).view(1, 1, 1, 6)
    assert images_to_uint8(x).flatten().tolist() == [0, 0, 128, 254, 255, 255]
