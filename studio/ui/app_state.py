"""The window's states and, for each, which actions can be used: one table instead of comparisons
against strings scattered through the window (tests/ui/test_window_state.py checks every state)."""

from __future__ import annotations

from enum import Enum


class AppState(str, Enum):
    """What the window is doing. A str, so that `state == "idle"` keeps reading naturally."""

    EMPTY = "empty"  # the welcome view: nothing open
    IDLE = "idle"  # a folder or run open, nothing training
    LOADING = "loading"  # training is starting: reading images, building networks
    TRAINING = "training"
    PAUSED = "paused"
    STOPPING = "stopping"  # the loop ends after its step and saves a checkpoint
    FOLLOWING = "following"  # another process trains the open run; its files are shown live

    def __str__(self) -> str:
        return self.value

    @property
    def text(self) -> str:
        return STATE_TEXT[self]


STATE_TEXT = {
    AppState.EMPTY: "No project open", AppState.IDLE: "Ready", AppState.LOADING: "Reading images…",
    AppState.TRAINING: "Training", AppState.PAUSED: "Paused", AppState.STOPPING: "Stopping — saving a checkpoint…",
    AppState.FOLLOWING: "Following a run",
}

# Action name -> the states in which it can be used.
ENABLED: dict[str, frozenset[AppState]] = {
    "start": frozenset({AppState.IDLE, AppState.TRAINING, AppState.PAUSED}),  # Ctrl+Return: start or pause
    "pause": frozenset({AppState.TRAINING, AppState.PAUSED}),
    "stop": frozenset({AppState.LOADING, AppState.TRAINING, AppState.PAUSED}),
    "source": frozenset({AppState.IDLE}),  # start from an existing run
    "close": frozenset({AppState.IDLE, AppState.FOLLOWING}),  # close the project
    "edit_settings": frozenset({AppState.IDLE}),
}
# Actions that work in every state (opening things asks to stop training first), for completeness.
ALWAYS = ("open", "open_run", "demo", "guide", "about", "quit")


def enabled(action: str, state: AppState | str) -> bool:
    return AppState(state) in ENABLED[action]
