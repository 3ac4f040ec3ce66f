"""The shipped YAML files read the same with libyaml's C loader as with PyYAML's Python one."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from supplyscreen import _yaml

SHIPPED = sorted(
    str(p.relative_to(resources.files("supplyscreen")))  # type: ignore[attr-defined]
    for p in resources.files("supplyscreen").joinpath("data").rglob("*.yaml")  # type: ignore[attr-defined]
)


def test_the_shipped_files_are_found() -> None:
    assert "data/detect/covered_equipment.yaml" in SHIPPED and len(SHIPPED) >= 9


@pytest.mark.parametrize("name", SHIPPED)
def test_loaders_agree(name: str) -> None:
    text = resources.files("supplyscreen").joinpath(name).read_text(encoding="utf-8")
    assert _yaml.safe_load(text) == yaml.safe_load(text)


def test_the_c_loader_is_used_where_pyyaml_has_it() -> None:
    expected = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
    assert _yaml._LOADER is expected


def test_it_stays_safe() -> None:
    with pytest.raises(yaml.YAMLError):
        _yaml.safe_load("!!python/object/apply:os.system ['true']")
