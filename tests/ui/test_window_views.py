"""The window by concept: its widgets and actions are two frozen records that it builds and keeps
(`views`, `menu_actions`), nothing sets attributes on it from outside, and its presenter implements every
view protocol the controllers are typed with (studio/ui/views.py)."""

from __future__ import annotations

import ast
import dataclasses
import typing
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow

import studio.ui.main_window
from studio.ui import views
from tests.ui.conftest import open_tiny


def assigned_in_main_window() -> set[str]:
    """Every name main_window.py gives the window: `self.name = ...` and the class's own attributes."""
    tree = ast.parse(Path(studio.ui.main_window.__file__).read_text())
    names = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for t in targets:
            for e in t.elts if isinstance(t, ast.Tuple) else [t]:
                if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id == "self":
                    names.add(e.attr)
    return names


def test_nothing_is_set_on_the_window_from_outside(qtbot, window, tiny_images: Path):
    open_tiny(qtbot, window, tiny_images)  # the controllers have opened a folder and filled the views
    # `confirm_stop` is the window's own (tests/ui/conftest.py answers it; main_window.py sets it). Qt's
    # signals of the instance are in its __dict__ too.
    held = {name for name in vars(window) if not hasattr(QMainWindow, name) and not name.startswith("__")}
    assert "views" in held and "menu_actions" in held
    assert held - assigned_in_main_window() == set()
    assert dataclasses.is_dataclass(window.views) and dataclasses.is_dataclass(window.menu_actions)
    with pytest.raises(dataclasses.FrozenInstanceError):
        window.views.grid = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        window.menu_actions.start = None
    assert window.views.train_panel.isAncestorOf(window.views.train_panel.start_button)
    start = window.menu_actions.start
    assert start in window.actions() and start.isEnabled()  # its shortcut works anywhere; a folder is open


def members(protocol: type) -> set[str]:
    return {name for klass in protocol.__mro__ if klass not in (typing.Protocol, typing.Generic, object)
            for name in vars(klass) if not name.startswith("_")}


@pytest.mark.parametrize("protocol", [views.TrainingView, views.ProjectView])
def test_the_presenter_is_each_controllers_view(window, protocol: type):
    assert members(protocol) >= {"say", "set_state", "state", "show_samples"}
    assert sorted(n for n in members(protocol) if not hasattr(window.presenter, n)) == []
    assert window.training.view is window.presenter and window.projects.view is window.presenter


def test_the_explore_link_is_the_controllers_explorer(window):
    assert sorted(n for n in members(views.Explorer) if not hasattr(window.explore, n)) == []
    assert window.projects.explorer is window.explore
