"""`studio train`: the headless training run, its terminal progress and its signals (Ctrl-C stops
cleanly with a checkpoint)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from studio.cli.registry import command


def _add_train(sub) -> None:
    from studio.core.models.registry import ARCHITECTURES
    from studio.core.training.config import FINE_TUNING, options

    p = sub.add_parser("train", help="train a GAN on an image folder, headless")
    p.add_argument("data", metavar="DATA_DIR", help="folder of images (searched recursively)")
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder for checkpoints, snapshots, metrics")
    # Flags whose default or meaning is not one field's (the source run's model and size, one learning
    # rate for both networks, the run's length given once, the old --no-mirror) are written here; every
    # other setting's flag comes from its TrainConfig field (config.option).
    auto = {d: next(a.label for a in ARCHITECTURES.values() if d in a.suggested_on) for d in ("cpu", "gpu")}
    models = "; ".join(f"{a.name}: {a.label}, {a.help}" for a in ARCHITECTURES.values())
    p.add_argument("--model", choices=(*ARCHITECTURES, "auto"), default=None,
                   help=f"default: auto — the {auto['cpu']} model on a CPU, the {auto['gpu']} model on a GPU (with "
                        f"--init-from: the source's); {models}")
    p.add_argument("--resolution", type=int, default=None,
                   help="the long side in px (default: 64; with --init-from: the source's)")
    p.add_argument("--aspect", default=None, metavar="W:H",
                   help="the pictures' shape: 1:1 (default; with --init-from: the source's), 3:2, 2:3, 4:3, 3:4, "
                        "16:9 or 9:16 — the nearest shape the networks make, named on the first line")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int)
    length.add_argument("--kimg", type=float)
    length.add_argument("--minutes", type=float)
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its latest checkpoint")
    p.add_argument("--mirror", action="store_true",
                   help="also train on left-right mirrored images (off by default: wrong for text, logos, anything "
                        "with a handedness)")
    p.add_argument("--no-mirror", action="store_true", help="no mirrored images (the default; kept for old scripts)")
    p.add_argument("--lr", type=float, help="learning rate of both networks")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--threads", type=int, default=0,
                   help="CPU threads for training (0: chosen for this machine)")
    groups: dict[str, object] = {}
    for f, opt in options():
        target = p if opt.group is None else groups.setdefault(opt.group, p.add_argument_group(opt.group))
        flag = "--" + f.name.replace("_", "-")
        if f.type == "bool":
            target.add_argument(flag, action="store_true", help=opt.help)
            continue
        kind = int if f.type.startswith("int") else float if f.type.startswith("float") else str
        target.add_argument(flag, type=kind, default=f.default, choices=opt.choices, metavar=opt.metavar,
                            help=opt.help)
    fine = groups.setdefault(FINE_TUNING, p.add_argument_group(FINE_TUNING))
    fine.add_argument("--init-from", metavar="OLD_RUN", help="start from this run's latest checkpoint (or a "
                      "checkpoint file): its weights, a fresh optimiser")


DEFAULT_RESOLUTION = 64


def _default_resolution(device: str) -> int:
    """64 px on every device, whatever the folder (the command reads no picture before it trains). On a CPU the
    default recipe at 64 px scored at most half the textbook DCGAN's KID in 10 minutes on every folder measured
    (twemoji 0.43 and 0.26, openmoji 0.235 and 0.17, the demo set 0.46; bench/RESULTS.md, issue 25), and 32 px
    is a thumbnail. The window, which has measured the folder and this machine, may suggest otherwise."""
    return DEFAULT_RESOLUTION


def _config(args, source):
    """The TrainConfig the command line asks for."""
    from studio.core.training.config import TrainConfig, options

    return TrainConfig(
        data=str(Path(args.data).expanduser().resolve()),
        model=args.model or (source.spec.name if source else "auto"),
        resolution=args.resolution or (source.spec.canvas.long_side if source else _default_resolution(args.device)),
        aspect=args.aspect or (source.spec.canvas.aspect if source else "1:1"),
        steps=args.steps, kimg=args.kimg, minutes=args.minutes, mirror=args.mirror and not args.no_mirror,
        lr_g=args.lr, lr_d=args.lr, init_from=source.record() if source else None,
        **{f.name: getattr(args, f.name) for f, _ in options()},
    )


@command("train", _add_train)
def cmd_train(args) -> int:
    from tqdm import tqdm

    from studio.core.device import pick_device
    from studio.core.training.distributed import from_environment, shutdown
    from studio.core.training.suggest import cpu_enlarge
    from studio.core.training.trainer import Trainer

    dist, device_name = from_environment(args.device)  # under torchrun: join the process group
    if not dist.is_main:
        args.quiet = True

    source = None
    if args.init_from and not args.resume:
        from studio.core.training.finetune import find_source

        source = find_source(args.init_from)  # its model and size are the defaults of the new run
    cfg = _config(args, source)
    device = pick_device(device_name)
    if not args.resume and cfg.steps is None and cfg.kimg is None and cfg.minutes is None:
        cfg.minutes = 60.0
    asked = cfg.canvas()
    if not args.resume and source is None:
        cfg.enlarge = cpu_enlarge(asked.long_side, device.type != "cpu", args.model in (None, "auto"), cfg.progressive)
        if cfg.enlarge > 1:  # the generator trains at the smaller size (suggest.cpu_enlarge says why)
            cfg.resolution = asked.long_side // cfg.enlarge
    if not args.resume and dist.is_main and (cfg.aspect != "1:1" or cfg.enlarge > 1):
        print(_shape_line(cfg, asked), file=sys.stderr)
    loading = None if args.quiet else tqdm(desc="reading images", unit="img", leave=False, file=sys.stderr)

    def load_progress(done: int, total: int) -> None:
        loading.total = total
        loading.n = done
        loading.refresh()

    try:
        trainer = Trainer(cfg, args.out, resume=args.resume, dist=dist, device=device,
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
        # Tear the group down together: a rank that destroys it while another still writes its last
        # checkpoint can abort in Gloo ("terminate called without an active exception"; seen in CI).
        dist.barrier()
        if dist.active:
            print(f"rank {dist.rank} of {dist.world}: {finished.reason} at step {finished.step}", file=sys.stderr)
        return 0
    finally:
        shutdown()


def _shape_line(cfg, asked) -> str:
    """The first line of a non-square or enlarged run: the shape the networks make for the asked aspect and
    size, and on a CPU from 128 px up the smaller generator whose pictures are enlarged to it."""
    shape = cfg.canvas()
    doublings = (shape.scale // 4).bit_length() - 1
    made = (f"{shape.describe()}: the nearest to {cfg.aspect} at {cfg.resolution} px the networks make "
            f"(a {shape.block_w}×{shape.block_h} block doubled {doublings} times)")
    if cfg.enlarge == 1:
        return f"shape {made}"
    if shape.is_square:
        made = shape.px
    w, h = shape.width * cfg.enlarge, shape.height * cfg.enlarge
    big = f"{w} px" if w == h else f"{w}×{h} px"
    return (f"{big} pictures on a CPU: the generator trains at {made}, and its pictures are enlarged "
            f"×{cfg.enlarge} with Lanczos — per CPU-minute far closer to the folder than training {asked.px} "
            f"directly (bench/RESULTS.md); choose a model (e.g. --model quickstyle) to train {asked.px} directly")


def _train_in_thread(trainer, on_event):
    """Run the training loop in a second thread while the main thread waits and handles signals.

    Under load a loop driven from the main thread collapses while one in a second thread does not (on an
    idle machine the main thread is a little faster): bench/RESULTS.md, "CPU threads". Artists' machines
    are rarely idle and the window trains in a worker thread too, so the CLI does the same."""
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

    from studio.core.formats.metrics_rows import Quality
    from studio.core.training.events import Finished, Message, Progress, Saved, Started

    def on_signal(signum, frame):
        trainer.stop()  # finish the step, save a checkpoint, exit cleanly

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    bar = None  # compared with None, never tested for truth: a bar without a total (a run in minutes) has none
    main = trainer.dist.is_main

    def on_event(ev) -> None:
        nonlocal bar
        if isinstance(ev, Started) and main:
            batch = ev.batch_note if ev.batch_note.startswith("batch") else f"batch {ev.batch}"
            shape = trainer.spec.canvas
            size = f"{shape.width} px" if shape.is_square else shape.describe()
            print(f"training {trainer.cfg.model} at {size}, {batch}, on {ev.device}"
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
            if ev.resolution is not None:  # progressive growing: the stage, by its picture size ("12×8->24×16")
                canvas = trainer.cfg.canvas()
                new = canvas.at_scale(ev.resolution).px.removesuffix(" px")
                post["px"] = (f"{canvas.at_scale(ev.resolution // 2).px.removesuffix(' px')}->{new} {ev.alpha:.0%}"
                              if ev.alpha < 1 else new)
            if ev.eta is not None and ev.total_kimg is None:
                post["left"] = f"{ev.eta / 60:.1f}min"
            bar.set_postfix(post, refresh=False)
            bar.refresh()
        elif isinstance(ev, Quality) and main:
            (bar.write if bar is not None else print)(
                f"quality at {ev.kimg:.1f} kimg (step {ev.step}): KID {ev.kid * 1e3:.2f}e-3 ± {ev.kid_std * 1e3:.2f}e-3, "
                f"FID {ev.fid:.1f}, precision {ev.precision:.2f}, recall {ev.recall:.2f}, "
                f"density {ev.density:.2f}, coverage {ev.coverage:.2f} ({ev.fake_count} images, {ev.seconds:.0f} s)")
        elif isinstance(ev, Message) and main:
            (bar.write if bar is not None else print)(f"{ev.level}: {ev.text}")
        elif isinstance(ev, Saved) and ev.kind == "checkpoint" and quiet:
            print(f"saved {ev.path}", file=sys.stderr)
        elif isinstance(ev, Finished) and main:
            if bar is not None:
                bar.close()
            print(f"{ev.reason} at step {ev.step} ({ev.kimg:.2f} kimg); checkpoint {ev.checkpoint}", file=sys.stderr)

    return on_event
