"""Load a Python file that no package holds (a script of ``scripts/``, ``tests/fuzz/inputs.py``) by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_path(path: Path, name: str) -> ModuleType:
    """The module run from ``path``, kept in ``sys.modules`` as ``name`` (its dataclasses need it there)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
