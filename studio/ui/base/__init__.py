"""What every part of the window builds on and that imports nothing else of the window: the thread
registry, NumPy pictures to QImage, the default folders."""
