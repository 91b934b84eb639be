"""The data layer: the only package that imports pymongo or bson."""

from arsnova.store.mongo import Store, connect, translate_errors

__all__ = ["Store", "connect", "translate_errors"]
