"""The window's widgets, one concern per file; none holds a tensor."""
