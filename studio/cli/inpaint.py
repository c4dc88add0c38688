"""`studio inpaint`: repair a picture by filling a masked hole from the generator."""

from __future__ import annotations

import sys

from studio.cli.registry import command, out_file


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


@command("inpaint", _add_inpaint)
def cmd_inpaint(args) -> int:
    from tqdm import tqdm

    from studio.core.device import pick_device
    from studio.core.explore.features import FeatureSpace, load_discriminator
    from studio.core.explore.inpaint import InpaintSettings, inpaint, load_mask, load_source, prepare_mask
    from studio.core.explore.render import Renderer
    from studio.core.export import Exporter

    folder, name = out_file(args.out, (".png",))
    settings = InpaintSettings(steps=args.steps, seed=args.seed, feather=args.feather, w_plus=args.w_plus)
    settings.validate()
    source = load_source(args.image)
    mask = load_mask(args.mask)
    renderer = Renderer.open(args.run, pick_device(args.device))
    hole = prepare_mask(mask, source.image.shape, renderer.size)
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
