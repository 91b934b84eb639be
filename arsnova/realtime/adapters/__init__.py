"""Subclasses and hooks around python-engineio and python-socketio internals.

Each hook names the library version it was written against; setup.cfg caps
both libraries below their next minor release.
"""
