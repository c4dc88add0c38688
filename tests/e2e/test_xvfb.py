"""The real app under Xvfb (tests/e2e/xvfb_session.py), as a test, on a small and a large screen: it opens
the emoji of tests/data, trains, and what the screen shows is checked: the live grid changes while it
trains, Explore shows the finished run's picture, the exported PNG carries the recipe that regenerates it,
and the window quits cleanly, staying on the screen at every step. Runs when Xvfb, xdotool and ImageMagick
are there (`make test` sets GAN_STUDIO_E2E=1 then); screenshots of each step go to GAN_STUDIO_SHOTS
(default: the test's temporary folder) for a person to see."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.xvfb_session import TWEMOJI, Observed, changed, covered, missing_tools, run_session


def on_white(png: Path) -> np.ndarray:
    """An exported PNG as the window shows its picture: its see-through parts on the trained white."""
    picture = Image.open(png).convert("RGBA")
    ground = Image.new("RGBA", picture.size, "#ffffff")
    return np.asarray(Image.alpha_composite(ground, picture).convert("RGB"))


def closest_view_difference(region: np.ndarray, picture: np.ndarray) -> float:
    """How far (mean |difference|, 0–255) a screenshot of an image view is from `picture`: the view paints it
    centred, aspect kept, filling the view or at a whole-number enlargement; each placing is tried, brought
    back to the picture's size, and the closest counts."""
    vh, vw = region.shape[:2]
    ph, pw = picture.shape[:2]
    fit = min(vw / pw, vh / ph)
    best = 255.0
    for scale in {fit, float(max(1, int(fit)))}:
        w, h = round(pw * scale), round(ph * scale)
        x, y = (vw - w) // 2, (vh - h) // 2
        shown = Image.fromarray(np.ascontiguousarray(region[y:y + h, x:x + w])).resize((pw, ph), Image.BOX)
        best = min(best, float(np.abs(np.asarray(shown).astype(int) - picture.astype(int)).mean()))
    return best


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("GAN_STUDIO_E2E"), reason="set GAN_STUDIO_E2E=1 to run the Xvfb session")
@pytest.mark.parametrize("screen", ["1024x700", "1600x1000"])
def test_app_opens_twemoji_trains_and_quits(tmp_path: Path, screen: str):
    if missing_tools():
        pytest.skip(f"missing: {', '.join(missing_tools())}")
    out = Path(os.environ.get("GAN_STUDIO_SHOTS", tmp_path / "shots")) / screen
    # The shared emoji where the workplace has them (their licence keeps them out of the repository, see
    # ../shared/data/README.md); on any other clone the studio's own generated pictures.
    if TWEMOJI.is_dir():
        data = TWEMOJI
    else:
        from studio.core.demo import write_demo_data

        data = write_demo_data(tmp_path / "demo", count=64, size=64)
    seen: Observed = run_session(out, data, tmp_path / "home", screen=screen)
    assert seen.exit_code == 0, seen.log
    print(f"window shown after {seen.window_seconds} s")  # measured, not asserted (speed is bench/'s)
    assert "window shown after" in seen.log
    assert seen.steps > 0 and seen.checkpoints, (seen.steps, seen.checkpoints)

    # The live grid: samples on screen, and other samples a moment of training later, in the same place.
    assert covered(seen.grid_first) > 0.25, "the live grid showed no samples"
    assert seen.grid_rects[0] == seen.grid_rects[1], f"the live grid moved on the screen: {seen.grid_rects}"
    share = changed(seen.grid_first, seen.grid_later)
    assert share > 0.02, (f"the live grid did not change from step {seen.grid_steps[0]} to step "
                          f"{seen.grid_steps[1]} ({share:.1%} of its pixels)")

    # Explore: its empty canvas while training ran, then the finished run's picture, the very one exported.
    empty, shown = covered(seen.explore_empty), covered(seen.explore_picture)
    assert empty < 0.25, f"Explore showed a picture before a checkpoint was open ({empty:.0%} covered)"
    assert shown > 0.25, f"Explore shows no picture ({shown:.0%} of the view covered)"
    exported = on_white(seen.exported)
    difference = closest_view_difference(seen.explore_picture, exported)
    assert difference < 12, f"Explore's picture is not the exported one (mean difference {difference:.1f}/255)"

    # The exported PNG carries its recipe: the run's checkpoint that made it (its SHA-256 checked), the
    # model, the size, the seeds; and that recipe regenerates its pixels exactly.
    from studio.core.explore.render import Renderer
    from studio.core.export import regenerate
    from studio.core.formats.png_recipe import read_recipe_for
    from studio.core.shape import canvas_shape

    embedded, checkpoint = read_recipe_for(seen.exported)
    config = json.loads((seen.run / "config.json").read_text())
    assert checkpoint.parent == seen.run / "checkpoints" and checkpoint.name in seen.checkpoints, checkpoint
    assert embedded.model == config["model"], (embedded.model, config["model"])
    shape = canvas_shape(config["aspect"], config["resolution"])
    assert embedded.canvas == f"{shape.width}x{shape.height}", (embedded.canvas, shape)
    assert embedded.recipe is not None and embedded.recipe.seeds, embedded
    again = regenerate(embedded, Renderer.open(checkpoint))
    assert np.array_equal(again, np.asarray(Image.open(seen.exported))), "the recipe does not regenerate the PNG"

    width, height = seen.screen
    for step, (x, y, w, h) in seen.geometry.items():
        assert x >= 0 and y >= 0 and x + w <= width and y + h <= height, (
            f"at {step} the window ({w}×{h} at {x},{y}) does not fit the {screen} screen")
    assert len(set(g[2:] for g in seen.geometry.values())) == 1, f"the window resized itself: {seen.geometry}"
