"""Artworks from a trained run: `studio generate` (images by seed), `mix` (style-mixing grids),
`interpolate` (animations) and `atlas` (a poster of many seeds laid out by similarity)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from studio.cli.registry import command, out_file


def _add_generate(sub) -> None:
    p = sub.add_parser("generate", help="write images from a run's EMA generator")
    p.add_argument("run", metavar="RUN_DIR", help="run folder or checkpoint file")
    p.add_argument("--seeds", default="0-15")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--truncation", type=float, default=1.0)
    p.add_argument("--grid", action="store_true", help="also write all seeds as one grid image")
    p.add_argument("--class", dest="class_index", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--transparent", action="store_true",
                   help="RGBA PNGs: the run's background colour taken back out as transparency (colour to alpha) "
                        "around the subject: the background connected to the picture's edges")
    p.add_argument("--transparent-everywhere", action="store_true",
                   help="RGBA PNGs with the background colour taken out wherever it shows, inside the subject "
                        "too (as --transparent did before it kept enclosed colours opaque)")
    p.add_argument("--scale", type=int, choices=(1, 2, 4), default=None,
                   help="upscale x2/x4 (Lanczos unless --upscale learned); default: the run's own size (x2 for "
                        "a CPU's 128 px run, whose generator makes 64 px), else x1")
    p.add_argument("--upscale", choices=("auto", "lanczos", "learned"), default="auto",
                   help="how --scale enlarges: auto (Lanczos: it measured better on generated pictures), lanczos, "
                        "or learned (the run's upscale from `studio upscaler`, sharper on real pictures; an error "
                        "when the run has none)")


@command("generate", _add_generate)
def cmd_generate(args) -> int:
    from studio.core.alpha import EDGES, EVERYWHERE, finish
    from studio.core.device import pick_device
    from studio.core.explore.latents import parse_seeds
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import Exporter, grid_picture

    seeds = parse_seeds(args.seeds)
    renderer = Renderer.open(args.run, pick_device(args.device))
    args.scale = args.scale or renderer.enlarge
    up = renderer.choose_upscale(args.scale, args.upscale)
    if args.scale > 1:
        print(f"upscale ×{args.scale}: {up.label}" + (f" (step {up.step})" if up.step is not None else ""),
              file=sys.stderr)
    exporter = Exporter(Path(args.out))
    images = []
    transparent = args.transparent or args.transparent_everywhere
    region = EVERYWHERE if args.transparent_everywhere else EDGES
    for seed in seeds:
        recipe = Recipe(seeds=[seed], truncation=args.truncation, class_index=args.class_index,
                        transparent=transparent, transparent_region=region).with_upscale(args.scale, up.record)
        img = renderer.render(recipe)  # what render_final(recipe) makes, before the upscale and the alpha
        images.append(img)
        path = exporter.save_png(finish(img, args.scale, transparent, renderer.background, region, up),
                                 f"seed{seed:04d}.png", renderer.describe(recipe))
        print(path)
    if args.grid:
        from studio.core.images import grid_columns

        cells = [Recipe(seeds=[s], truncation=args.truncation, class_index=args.class_index) for s in seeds]
        cols = grid_columns(len(images), *renderer.size)  # laid out for the shape
        grid = grid_picture(images, cols, 2, args.scale, transparent, renderer.background, region, up)
        meta = renderer.describe_grid(cells, cols, upscale=args.scale, transparent=transparent,
                                      transparent_region=region, upscaler=up.record)
        print(exporter.save_png(grid, "grid.png", meta))
    return 0


def _add_mix(sub) -> None:
    p = sub.add_parser("mix", help="a style-mixing grid: row seeds take the column seeds' styles on some layers")
    p.add_argument("run", metavar="RUN_DIR", help="run folder or checkpoint file")
    p.add_argument("--rows", required=True, help="row seeds, e.g. 1,2,3 (the images that receive styles)")
    p.add_argument("--cols", required=True, help="column seeds, e.g. 10,11 (the images that give styles)")
    p.add_argument("--layers", default="coarse", help="coarse | middle | fine | A-B (w indices, inclusive)")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--truncation", type=float, default=1.0)
    p.add_argument("--scale", type=int, choices=(1, 2, 4), default=1, help="upscale x2/x4 (Lanczos)")
    p.add_argument("--device", default="cpu")


@command("mix", _add_mix)
def cmd_mix(args) -> int:
    from studio.core.device import pick_device
    from studio.core.explore.latents import parse_seeds
    from studio.core.explore.mixing import layer_range, mix_grid
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import Exporter
    from studio.core.images import upscale

    folder, name = out_file(args.out, (".png",))
    renderer = Renderer.open(args.run, pick_device(args.device))
    layers = layer_range(args.layers, renderer)
    grid = mix_grid(renderer, parse_seeds(args.rows), parse_seeds(args.cols), layers,
                    Recipe(truncation=args.truncation))
    meta = renderer.describe_grid(grid.cells, grid.cols, upscale=args.scale, kind="style-mixing")
    path = Exporter(folder).save_png(upscale(grid.image, args.scale), name, meta)
    print(f"{path}  (layers {layers.start}-{layers.stop - 1} of {renderer.num_ws} from the column seeds)")
    return 0


def _add_interpolate(sub) -> None:
    p = sub.add_parser("interpolate", help="an animation through seeds (GIF, WebP, or MP4 with imageio-ffmpeg)")
    p.add_argument("run", metavar="RUN_DIR", help="run folder or checkpoint file")
    p.add_argument("--seeds", required=True, help="key seeds, e.g. 1,5,9 (one seed: a looping random walk)")
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--out", required=True, metavar="FILE.gif|.webp|.mp4")
    p.add_argument("--loop", action="store_true", help="return to the first seed (a seamless loop)")
    p.add_argument("--fps", type=float, default=24.0)
    p.add_argument("--space", choices=("z", "w"), default="z", help="slerp in z or lerp in w")
    p.add_argument("--truncation", type=float, default=1.0)
    p.add_argument("--scale", type=int, choices=(1, 2, 4), default=1, help="upscale x2/x4 (Lanczos)")
    p.add_argument("--device", default="cpu")


@command("interpolate", _add_interpolate)
def cmd_interpolate(args) -> int:
    from tqdm import tqdm

    from studio.core.device import pick_device
    from studio.core.explore.animate import seed_frames, walk_frames
    from studio.core.explore.latents import parse_seeds
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import Exporter
    from studio.core.export_formats import ANIMATIONS
    from studio.core.images import upscale

    folder, name = out_file(args.out, tuple(ANIMATIONS))
    seeds = parse_seeds(args.seeds)
    renderer = Renderer.open(args.run, pick_device(args.device))
    recipe = Recipe(seeds=seeds, truncation=args.truncation)
    if len(seeds) == 1:
        frames = walk_frames(renderer, seeds[0], args.frames, recipe)
    else:
        frames = seed_frames(renderer, seeds, args.frames, args.loop, args.space, recipe)
    bar = tqdm(total=args.frames, unit="frame", file=sys.stderr, leave=False)

    def scaled():
        for f in frames:
            bar.update(1)
            yield upscale(f, args.scale)

    comment = json.dumps({"gan-studio:checkpoint-sha256": renderer.checkpoint_sha256, "seeds": seeds,
                          "frames": args.frames, "loop": args.loop, "space": args.space,
                          "truncation": args.truncation})
    path = Exporter(folder).save_animation(scaled(), name, args.fps, loop=True, comment=comment)
    bar.close()
    print(path)
    return 0


def _add_atlas(sub) -> None:
    # Spelled out, not imported from core.explore.atlas: building the parser must not import torch.
    p = sub.add_parser("atlas", help="a poster of many seeds' images laid out by similarity (never overwrites)")
    p.add_argument("run", metavar="RUN_DIR", help="run folder or checkpoint file")
    p.add_argument("--count", type=int, default=1000, help="how many seeds (2 to 3000; default 1000)")
    p.add_argument("--first-seed", type=int, default=0, help="seeds first-seed … first-seed+count-1")
    p.add_argument("--out", required=True, metavar="FILE.png", help="never overwritten: a number is added")
    p.add_argument("--truncation", type=float, default=1.0)
    p.add_argument("--layout", choices=("pca", "tsne", "umap"), default="pca",
                   help="pca of w (always); tsne / umap of image features need scikit-learn / umap-learn")
    p.add_argument("--device", default="cpu")


@command("atlas", _add_atlas)
def cmd_atlas(args) -> int:
    from tqdm import tqdm

    from studio.core.device import pick_device
    from studio.core.errors import StudioError
    from studio.core.explore.atlas import MAX_ATLAS, atlas_poster, build_atlas, check_layout, poster_meta
    from studio.core.explore.features import FeatureSpace, load_discriminator
    from studio.core.explore.render import Renderer
    from studio.core.export import Exporter
    from studio.core.formats.recipe import MAX_SEED

    folder, name = out_file(args.out, (".png",))
    if not 2 <= args.count <= MAX_ATLAS:
        raise StudioError(f"--count must be from 2 to {MAX_ATLAS}.")
    if not 0 <= args.first_seed <= MAX_SEED - args.count:
        raise StudioError("--first-seed must leave room for --count seeds below 4294967296.")
    check_layout(args.layout)
    renderer = Renderer.open(args.run, pick_device(args.device))
    feats = None
    if args.layout != "pca" or not renderer.is_style:
        feats = FeatureSpace(load_discriminator(renderer.checkpoint, renderer.device), "auto", renderer.device)
    bar = tqdm(total=args.count, unit="img", file=sys.stderr, leave=False)

    def progress(i: int, n: int) -> None:
        bar.n = i
        bar.refresh()

    atlas = build_atlas(renderer, list(range(args.first_seed, args.first_seed + args.count)), args.truncation,
                        args.layout, feats, progress)
    bar.close()
    path = Exporter(folder).save_png(atlas_poster(atlas), name, poster_meta(renderer, atlas))
    print(f"{path}  ({args.count} images on a {atlas.cols}×{atlas.rows} grid, {atlas.method})")
    return 0
