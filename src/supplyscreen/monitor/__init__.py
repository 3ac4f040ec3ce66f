"""Monitors: saved vendor masters re-screened when the lists change, reporting only what changed."""
