"""Opening what the artist points at in the Explore tab: Open… (a checkpoint, a run's config.json or a studio
picture) and a studio PNG (File ▸ Open, `studio FILE.png`, a drop): its checkpoint, unless that one is open,
then its recipe on the canvas, once the checkpoint is open (after the run's remembered canvas)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from studio.core.errors import StudioError
from studio.core.explore.render import Recipe


class PictureOpening:
    def __init__(self, parent: QWidget, *, checkpoint: Callable[[], str | None],
                 open_checkpoint: Callable[[str], None], show_recipe: Callable[[Recipe], None],
                 say: Callable[[str], None]) -> None:
        """`checkpoint` is the open one (None: none), `open_checkpoint` opens another, `show_recipe` puts a
        picture's recipe on the canvas, `say` explains a refusal."""
        self.parent, self.checkpoint, self.open_checkpoint = parent, checkpoint, open_checkpoint
        self.show_recipe, self.say = show_recipe, say
        self.pending: tuple[Path, Recipe] | None = None  # a picture waiting for its checkpoint to open

    def browse(self) -> None:
        """A checkpoint, a studio picture (its recipe) or a run's config.json (the run's latest checkpoint)."""
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Open a checkpoint, a run or a studio picture", "",
            "Checkpoints, studio pictures, runs (*.safetensors *.png config.json);;All files (*)")
        if not path:
            return
        p = Path(path)
        if p.suffix.lower() == ".png":
            self.open_picture(path)
        else:
            self.open_checkpoint(str(p.parent if p.name == "config.json" else p))

    def open_picture(self, path: str) -> bool:
        """A PNG exported by the studio: its checkpoint (unless one is open) and its recipe on the canvas."""
        from studio.core.formats.png_recipe import NoMaker, NotTheMaker, read_recipe_for

        try:  # the picture's own model where it still is, else the open one; the checksum policy applies
            emb, checkpoint = read_recipe_for(path, fallback=self.checkpoint())
        except NoMaker:
            self.say(f"{Path(path).name} does not say which checkpoint made it: open that checkpoint first.")
            return False
        except NotTheMaker as e:
            self.say(f"{e}: its recipe would draw another picture here. Open the checkpoint that made it.")
            return False
        except StudioError as e:
            self.say(str(e))
            return False
        if emb.recipe is None:
            self.say("That PNG is a grid; open a single image to reopen its recipe.")
            return False
        if str(checkpoint) != self.checkpoint():
            self.pending = (Path(checkpoint).resolve(), emb.recipe)
            self.open_checkpoint(str(checkpoint))
            return True
        self.show_recipe(emb.recipe)
        return True

    def opened(self, checkpoint: str) -> None:
        """`checkpoint` is open (and its remembered canvas placed): the picture waiting for it wins."""
        picture, self.pending = self.pending, None
        if picture is not None and Path(checkpoint).resolve() == picture[0]:
            self.show_recipe(picture[1])
