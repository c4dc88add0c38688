"""The loss curves' legend as a row of labels above the plot, never over it: pyqtgraph's legend sits inside
the plot, where a run's first points are (they start high and at the left), and covered them."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

# What each curve means, for the artist who hovers its name.
MEANINGS = {
    "G loss": "Generator loss: how badly the generator's pictures fool the discriminator (lower: they fool it "
              "more). It rises and falls against the D loss; steady wobbling is normal.",
    "D loss": "Discriminator loss: how badly the discriminator tells training images from generated ones. "
              "Near zero for long means it wins every time and the generator has little to learn from.",
    "R1": "R1 penalty: keeps the discriminator smooth around the training images (a stabiliser; small is usual).",
    "gradient penalty": "Keeps the discriminator's slopes near one (a stabiliser of the WGAN-GP loss).",
}


class CurveLegend(QWidget):
    """One entry per curve, in the order given: a short line in the curve's colour and its name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._entries: list[tuple[str, str]] = []
        self.labels: list[QLabel] = []
        self._text_colour = ""
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(48, 0, 6, 0)  # from about the plot's left axis
        self.row.setSpacing(14)
        self.row.addStretch(1)

    def set_entries(self, entries: list[tuple[str, str]]) -> None:
        """(name, colour) pairs, in the legend's order."""
        self._entries = list(entries)
        for label in self.labels:
            self.row.removeWidget(label)
            label.hide()  # now: deleteLater would leave it drawn under the new entries until the next loop
            label.deleteLater()
        self.labels = []
        for i, (name, colour) in enumerate(self._entries):
            label = QLabel(self)
            label.setToolTip(MEANINGS.get(name, name))
            self.row.insertWidget(i, label)
            self.labels.append(label)
        self._paint_texts()

    def names(self) -> list[str]:
        return [name for name, _ in self._entries]

    def set_text_colour(self, colour: str) -> None:
        self._text_colour = colour
        self._paint_texts()

    def _paint_texts(self) -> None:
        style = f' style="color:{self._text_colour}"' if self._text_colour else ""
        for label, (name, colour) in zip(self.labels, self._entries):
            label.setText(f'<span style="color:{colour}"><b>━━</b></span>&nbsp;<span{style}>{name}</span>')
