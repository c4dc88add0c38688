"""Variations near a picture (core/explore/variations.py), on real tiny checkpoints of both model families."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import StudioError
from studio.core.explore.render import Recipe, Renderer
from studio.core.explore.variations import make_variations
from tests.core.test_explore import make_run

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/core/conftest.py


@pytest.fixture(scope="module", params=["style", "dcgan"])
def renderer(request, tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    return Renderer.open(make_run(request.param, tmp_path_factory.mktemp(request.param)), "cpu")


def distance(images: np.ndarray, image: np.ndarray) -> float:
    return float(np.abs(images.astype(np.float64) - image.astype(np.float64)).mean())


def test_variations_are_near_distinct_and_regenerate(renderer: Renderer):
    recipe = Recipe(seeds=[7], truncation=0.8)
    base = renderer.render(recipe)
    v = make_variations(renderer, recipe, count=6, spread=0.5, seed=3)
    assert v.images.shape == (6, *base.shape)
    assert len({im.tobytes() for im in v.images}) == 6  # six different pictures
    for r, im in zip(v.recipes, v.images, strict=True):
        assert np.array_equal(renderer.render(r), im)  # each regenerates from its recipe (w embedded)
        assert r.seeds == recipe.seeds and r.truncation == recipe.truncation


def test_same_seed_same_variations_and_spread_zero_is_the_picture(renderer: Renderer):
    recipe = Recipe(seeds=[2])
    a = make_variations(renderer, recipe, count=4, spread=0.6, seed=11)
    b = make_variations(renderer, recipe, count=4, spread=0.6, seed=11)
    c = make_variations(renderer, recipe, count=4, spread=0.6, seed=12)
    assert np.array_equal(a.images, b.images) and a.recipes == b.recipes
    assert not np.array_equal(a.images, c.images)
    still = make_variations(renderer, recipe, count=3, spread=0.0, seed=11)
    assert all(np.array_equal(im, renderer.render(recipe)) for im in still.images)


def test_a_larger_spread_goes_further(renderer: Renderer):
    recipe = Recipe(seeds=[5])
    base = renderer.render(recipe)
    near, mid, far = (distance(make_variations(renderer, recipe, count=8, spread=s, seed=1).images, base)
                      for s in (0.1, 0.5, 1.5))
    assert 0 < near < mid < far


def test_bad_requests_are_refused_in_words(renderer: Renderer):
    with pytest.raises(StudioError, match="between 1 and"):
        make_variations(renderer, Recipe(), count=0)
    with pytest.raises(StudioError, match="spread"):
        make_variations(renderer, Recipe(), spread=-1)
