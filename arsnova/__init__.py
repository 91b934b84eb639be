"""ARSnova-compatible classroom response server."""

__version__ = "0.1.0"
