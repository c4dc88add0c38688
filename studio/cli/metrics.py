"""`studio metrics`: KID, FID, precision/recall and density/coverage of a run's checkpoint."""

from __future__ import annotations

import json
import sys

from studio.cli.registry import command


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


@command("metrics", _add_metrics)
def cmd_metrics(args) -> int:
    from tqdm import tqdm

    from studio.core.data import ImageFolder
    from studio.core.device import pick_device
    from studio.core.errors import StudioError
    from studio.core.explore.loading import load_generator
    from studio.core.formats.run import RunDir
    from studio.core.formats.run import checkpoint_for
    from studio.core.metrics.evaluate import Evaluator, MetricsSettings
    from studio.core.metrics.inception import availability
    from studio.core.training.config import TrainConfig

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
    step, kimg = meta.state.step, meta.state.kimg
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
