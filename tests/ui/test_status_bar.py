"""The status bar's temporary message ends with "…" before the permanent "Device: …" label, never running into it
(issue 27, item 9)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette


def test_the_status_message_stops_short_of_the_device_label(qtbot, window):
    window.resize(1024, 700)
    window.views.device_label.setText("Device: CPU (Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz)")
    long = "Training on CPU: 6,460 images, batch 32, the Quick style-based model at 48×32 px " * 4
    window.statusBar().showMessage(long, 60_000)
    qtbot.waitUntil(lambda: window.views.device_label.x() > 0)
    bar = window.statusBar()
    assert bar.currentMessage() == long  # the whole message; the bar shows it shortened
    image = bar.grab().toImage()
    background = bar.palette().color(QPalette.ColorRole.Window).lightness()
    gap = range(window.views.device_label.x() - 10, window.views.device_label.x())
    inked = [x for x in gap for y in range(image.height())
             if abs(QColor(image.pixel(x, y)).lightness() - background) > 60]
    assert not inked, f"the message runs into the device label at x = {sorted(set(inked))}"
