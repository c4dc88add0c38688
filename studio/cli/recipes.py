"""What a file says about how it was made: `studio info` (a studio PNG's recipe, or a run's and a
checkpoint's step and best) and `studio regenerate` (the exact pixels again from a PNG's recipe)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from studio.cli.registry import command, out_file


def _add_info(sub) -> None:
    p = sub.add_parser("info", help="print the recipe embedded in a studio PNG, or describe a checkpoint or run")
    p.add_argument("file", metavar="FILE.png|CHECKPOINT|RUN_DIR")
    p.add_argument("--json", action="store_true", help="machine-readable output")


@command("info", _add_info)
def cmd_info(args) -> int:
    from studio.core.formats.png_recipe import read_embedded

    target = Path(args.file).expanduser()
    if target.is_dir() or target.suffix.lower() != ".png":
        return _checkpoint_info(target, args.json)
    emb = read_embedded(args.file)
    d = emb.to_json()
    if args.json:
        print(json.dumps(d, indent=2))
        return 0
    print(f"made by GAN Studio {emb.version} from {emb.checkpoint} ({emb.model})")
    print(f"checkpoint sha256 {emb.checkpoint_sha256}")
    if emb.canvas:
        print(f"shape {emb.canvas.replace('x', '×')} px")
    recipes = [emb.recipe] if emb.recipe is not None else [c for c in emb.grid.cells if c is not None]
    if emb.grid is not None:
        print(f"{emb.grid.kind}: {len(emb.grid.cells)} cells, {emb.grid.cols} per row, upscale x{emb.grid.upscale}")
    for r in recipes[:64]:
        rj = r.to_json()
        if rj.get("w"):
            rj["w"] = f"<{rj['w_shape'][0]} x {rj['w_shape'][1]} float32, embedded>"
        print(json.dumps(rj))
    if len(recipes) > 64:
        print(f"... and {len(recipes) - 64} more cells (use --json)")
    return 0


def _checkpoint_info(target: Path, as_json: bool) -> int:
    """`studio info RUN_DIR|CHECKPOINT`: step, model and the kept best, without loading any tensor."""
    from studio.core.errors import StudioError
    from studio.core.formats.checkpoint import read_state
    from studio.core.formats.run import RunDir

    def describe(path: Path) -> dict:
        st = read_state(path)
        d = {"path": str(path), "step": st.step, "kimg": st.kimg, "model": st.model, "resolution": st.resolution,
             "studio_version": st.studio_version}
        if st.spec.canvas.width != st.spec.canvas.height:
            d["canvas"] = [st.spec.canvas.width, st.spec.canvas.height]  # width, height: a non-square run
        enlarge = st.config.get("enlarge", 1) if isinstance(st.config, dict) else 1
        if enlarge in (2, 4):
            d["enlarge"] = enlarge  # its pictures are the generator's enlarged with Lanczos (a CPU's 128 px run)
        info = RunDir(path.parent.parent).read_best() if path.name == "best.safetensors" else None
        if info and isinstance(info.get("best"), dict) and info["best"].get("step") == st.step:
            d["best"] = info["best"]
        return d

    def line(label: str, d: dict) -> str:
        size = f"{d['canvas'][0]}×{d['canvas'][1]}" if d.get("canvas") else d["resolution"]
        made = f" enlarged ×{d['enlarge']} with Lanczos" if d.get("enlarge") else ""
        text = f"{label}step {d['step']} ({d['kimg']} kimg), {d['model']} at {size} px{made}: {d['path']}"
        b = d.get("best")
        if b:
            text += (f"  [{b['metric']} {b['score']:.4g}]" if b.get("score") is not None
                     else f"  [{b.get('reason', '')}]")
        return text

    if target.is_dir():
        run = RunDir(target)
        if not run.checkpoints() and run.best_checkpoint() is None:
            raise StudioError(f"{target} has no checkpoint.")
        out = {"run": str(target), "checkpoints": [describe(p) for _, p in run.checkpoints()]}
        if run.best_checkpoint() is not None:
            out["best"] = describe(run.best_checkpoint())
        if as_json:
            print(json.dumps(out, indent=2))
            return 0
        for d in out["checkpoints"][:-1]:
            print(line("", d))
        if out["checkpoints"]:
            print(line("latest: ", out["checkpoints"][-1]))
        if "best" in out:
            print(line("best: ", out["best"]))
        return 0
    if not target.exists():
        raise StudioError(f"{target} does not exist.")
    d = describe(target)
    print(json.dumps(d, indent=2) if as_json else line("", d))
    return 0


def _add_regenerate(sub) -> None:
    p = sub.add_parser("regenerate", help="recreate a studio PNG from the recipe it carries")
    p.add_argument("file", metavar="FILE.png")
    p.add_argument("--out", required=True, metavar="OTHER.png")
    p.add_argument("--checkpoint", help="use this run folder or checkpoint instead of the one recorded")
    p.add_argument("--ignore-checksum", action="store_true",
                   help="allow a checkpoint (or learned upscale) whose SHA-256 differs")
    p.add_argument("--source", metavar="IMAGE",
                   help="for an inpainting: the original picture, to rebuild the repaired picture (default: the "
                        "recorded path, if its SHA-256 still matches); without it the generated fill is written")
    p.add_argument("--device", default="cpu")


@command("regenerate", _add_regenerate)
def cmd_regenerate(args) -> int:
    from studio.core.device import pick_device
    from studio.core.errors import StudioError
    from studio.core.explore.render import Renderer
    from studio.core.export import Exporter, regenerate
    from studio.core.formats.png_recipe import NoMaker, NotTheMaker, read_recipe_for

    folder, name = out_file(args.out, (".png",))
    try:
        emb, checkpoint = read_recipe_for(args.file, args.checkpoint, ignore_checksum=args.ignore_checksum)
    except NoMaker:
        raise StudioError("The PNG does not say which checkpoint made it; pass --checkpoint.") from None
    except NotTheMaker as e:
        raise StudioError(f"{e}; pass --checkpoint with the right one, or --ignore-checksum.") from None
    renderer = Renderer.open(checkpoint, pick_device(args.device))
    if args.ignore_checksum:
        _with_current_upscaler(emb, renderer)
    image = regenerate(emb, renderer)
    if emb.recipe is not None:
        meta = renderer.describe(emb.recipe)
    else:
        meta = renderer.describe_grid(emb.grid.cells, emb.grid.cols, emb.grid.gap, emb.grid.upscale, emb.grid.kind,
                                      emb.grid.transparent, emb.grid.transparent_region, emb.grid.upscaler)
    if emb.inpaint is not None:
        image, meta = _inpainting_again(emb, image, meta, args.source)
    print(Exporter(folder).save_png(image, name, meta))
    return 0


def _with_current_upscaler(emb, renderer) -> None:
    """--ignore-checksum: a picture made with a learned upscale that has been trained further since is
    enlarged with the run's upscale as it is now (and records that one)."""
    from studio.core.formats.upscale_record import LEARNED

    if emb.recipe is not None and emb.recipe.upscaler == LEARNED:
        up = renderer.choose_upscale(emb.recipe.upscale, LEARNED)
        emb.recipe = emb.recipe.with_upscale(emb.recipe.upscale, up.record)
    if emb.grid is not None and emb.grid.upscaler.upscaler == LEARNED:
        emb.grid.upscaler = renderer.choose_upscale(emb.grid.upscale, LEARNED).record


def _inpainting_again(emb, generated, meta: dict, source_arg: str | None):
    """An inpainting's composite from the regenerated fill and the source picture, when it can be found."""
    from studio.core.errors import StudioError
    from studio.core.explore.inpaint import INPAINT_KEY, load_source

    rec = emb.inpaint
    path = source_arg or rec.source_path
    if source_arg is None and not (path and Path(path).is_file()):
        print(f"note: the source picture {rec.source_name} is not at {path}; writing the generated fill "
              "(pass --source ORIGINAL to rebuild the repaired picture)", file=sys.stderr)
        return generated, meta
    source = load_source(path)
    if source.sha256 != rec.source_sha256 and source_arg is None:
        print(f"note: {path} changed since it was repaired (SHA-256 differs); writing the generated fill",
              file=sys.stderr)
        return generated, meta
    if emb.recipe.upscale != 1:
        raise StudioError("This inpainting was exported upscaled; regenerate it without upscaling.")
    meta = dict(meta)
    meta[INPAINT_KEY] = json.dumps(rec.to_json())
    return rec.recomposite(generated, source), meta
