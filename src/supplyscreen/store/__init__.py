"""Versioned list snapshots: build, link, update atomically, look up."""

from supplyscreen.store.store import ListStatus, Store, UpdateResult, default_home, embedded_snapshot_path

__all__ = ["ListStatus", "Store", "UpdateResult", "default_home", "embedded_snapshot_path"]
