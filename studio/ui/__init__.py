"""The studio window: Qt only (PySide6, pyqtgraph, superqt); it renders what studio.core computes."""
