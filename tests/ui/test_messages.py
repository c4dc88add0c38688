"""The message strip: a warning is never replaced by the notices that follow it."""

from __future__ import annotations

from studio.ui.widgets.message_bar import MAX_SHOWN, MessageBar


def test_a_warning_stays_when_notices_follow(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message("warning", "Possible mode collapse: every seed gives nearly the same picture.")
    bar.show_message("info", "The checkpoint of step 56, written before this problem, is kept as best.safetensors.")
    for i in range(MAX_SHOWN + 2):
        bar.show_message("info", f"notice {i}")
    assert "Possible mode collapse" in bar.text  # still on screen, first
    assert bar.levels[0] == "warning" and len(bar.rows) == MAX_SHOWN
    bar.show_message("info", f"notice {MAX_SHOWN + 1}")  # the same words again: not shown twice
    assert bar.text.count(f"notice {MAX_SHOWN + 1}") == 1
    bar.rows[0].close_button.click()  # dismissed by the artist, and only then
    assert "mode collapse" not in bar.text
