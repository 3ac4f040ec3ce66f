"""Versioned list snapshots: build, link, update atomically, look up."""

from supplyscreen.settings import default_home
from supplyscreen.store.store import ListStatus, Store, UpdateResult, embedded_snapshot_path

__all__ = ["ListStatus", "Store", "UpdateResult", "default_home", "embedded_snapshot_path"]
