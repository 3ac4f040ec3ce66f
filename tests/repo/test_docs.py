"""The docs and the code agree: every path, setting, list code and flag code the docs cite exists.

Checked by reading files only (no network, no import of the package): README.md, docs/*.md and the
package's Python and YAML files under src/supplyscreen/. Each failure names the file, the line and
the missing thing.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import REPO

ROOT = REPO
PACKAGE = ROOT / "src" / "supplyscreen"
README = ROOT / "README.md"
DOMAIN = ROOT / "docs" / "domain.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

# A path into the repository, as prose and code cite it: `docs/domain.md`, `examples/...`,
# `benchmarks/names.py`, `scripts/build_snapshot.py`, `tests/fixtures/official/`, `src/...`. Not when
# it is the tail of a longer path or URL (`../shared/data`, `https://host/docs`).
REPO_PATH = re.compile(r"(?<![\w./:-])((?:docs|examples|benchmarks|scripts|tests|src)/[\w./*-]*[\w/*])")
# A path inside the package, as the package's own files cite it: `data/lists.yaml`,
# `supplyscreen/data/curated`.
PACKAGE_PATH = re.compile(r"(?<![\w./:-])((?:supplyscreen/)?data/[\w./*-]*[\w/*])")
SETTING = re.compile(r"\bSUPPLYSCREEN_[A-Z0-9_]*[A-Z0-9]\b")
# What a list or source code looks like (`us_ofac_sdn`, `un_sc`, `curated_uflpa`, `eu_...`).
LIST_CODE = re.compile(r"(?<![\w./:-])((?:us|un|curated|eu|uk)_[a-z0-9_]*[a-z0-9])(?![\w-])")
FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"`([^`\n]+)`")


def _prose() -> list[Path]:
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


def _package_files() -> list[Path]:
    return sorted(p for ext in ("*.py", "*.yaml") for p in PACKAGE.rglob(ext) if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _matches(path: Path, pattern: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    """(line number, first group or whole match) of every match of ``pattern`` in the file."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for m in pattern.finditer(line):
            yield number, m.group(1) if pattern.groups else m.group(0)


def _code_spans(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of the code in a Markdown file: fenced blocks line by line, inline spans."""
    text = path.read_text(encoding="utf-8")
    for fence in FENCE.finditer(text):
        first = text.count("\n", 0, fence.start()) + 1
        for offset, line in enumerate(fence.group(0).splitlines()):
            yield first + offset, line
    outside = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for number, line in enumerate(outside.splitlines(), start=1):
        for m in INLINE_CODE.finditer(line):
            yield number, m.group(1)


def _ignored_file_patterns() -> list[str]:
    """The file-name patterns of .gitignore (``*.screened.html``): outputs, never files to ship."""
    lines = [line.strip() for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line.startswith("*.") and not line.endswith("/")]


def _exists(base: Path, ref: str) -> bool:
    if "*" in ref:
        return any(base.glob(ref.rstrip("/")))
    return (base / ref).exists()


def _string_constants(path: Path) -> set[str]:
    """Every string literal of a Python file that is a whole setting name (docstrings do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SETTING.fullmatch(node.value)
    }


def _constant(path: Path, name: str) -> tuple[str, ...]:
    """The strings of a module-level ``NAME = (...)``, ``NAME = frozenset({...})`` or ``NAME: T = {...}``
    (a dict's keys) in a Python file, read without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not (isinstance(target, ast.Name) and target.id == name):
            continue
        if isinstance(value, ast.Call) and value.args:  # frozenset({...}), tuple([...])
            value = value.args[0]
        if isinstance(value, ast.Dict):
            return tuple(ast.literal_eval(key) for key in value.keys if key is not None)
        if isinstance(value, ast.Tuple | ast.List | ast.Set):
            return tuple(ast.literal_eval(item) for item in value.elts)
    raise AssertionError(f"{_rel(path)}: no module-level {name} of literal strings")


def _list_codes() -> set[str]:
    """The list codes of src/supplyscreen/data/lists.yaml."""
    return set(yaml.safe_load((PACKAGE / "data" / "lists.yaml").read_text(encoding="utf-8")))


def _source_codes() -> set[str]:
    """The source codes declared in src/supplyscreen/data/sources.yaml."""
    return set(yaml.safe_load((PACKAGE / "data" / "sources.yaml").read_text(encoding="utf-8")))


def _settings_read_in(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" not in path.parts:
            for name in _string_constants(path):
                found.setdefault(name, path)
    return found


def test_the_documents_exist() -> None:
    for path in (DOMAIN, ARCHITECTURE, ROOT / "docs" / "sources.md"):
        assert path.is_file(), f"{_rel(path)} is missing"


def test_cited_paths_exist() -> None:
    outputs = _ignored_file_patterns()
    missing = []
    for path in [*_prose(), *_package_files()]:
        for number, ref in _matches(path, REPO_PATH):
            # a file name .gitignore ignores is what a documented command writes (the quick start's
            # examples/purchase_orders.screened.html), not a file the repository ships
            if any(fnmatch.fnmatch(Path(ref).name, pattern) for pattern in outputs):
                continue
            if not _exists(ROOT, ref):
                missing.append(f"{_rel(path)}:{number}: {ref} does not exist")
    for path in _package_files():
        for number, ref in _matches(path, PACKAGE_PATH):
            if not _exists(PACKAGE.parent if ref.startswith("supplyscreen/") else PACKAGE, ref):
                missing.append(f"{_rel(path)}:{number}: {ref} does not exist under {_rel(PACKAGE)}")
    assert not missing, "cited paths that do not exist:\n" + "\n".join(missing)


def test_documented_settings_are_read_in_the_code() -> None:
    read = _settings_read_in(PACKAGE)
    # settings of the test suite itself (SUPPLYSCREEN_TEST_...: the PostgreSQL server, the browser)
    # are read in tests/, not in the package
    read_by_tests = _settings_read_in(ROOT / "tests")
    unknown = []
    for path in _prose():
        for number, name in _matches(path, SETTING):
            known = read_by_tests if name.startswith("SUPPLYSCREEN_TEST_") else read
            if name not in known:
                where = "tests/" if name.startswith("SUPPLYSCREEN_TEST_") else _rel(PACKAGE)
                unknown.append(f"{_rel(path)}:{number}: {name} is not read anywhere in {where}")
    assert not unknown, "documented settings no code reads:\n" + "\n".join(unknown)


def test_settings_read_in_the_code_are_documented() -> None:
    documented = {name for path in (README, ARCHITECTURE) for _, name in _matches(path, SETTING)}
    undocumented = [
        f"{_rel(path)}: {name} is documented neither in README.md nor in {_rel(ARCHITECTURE)}"
        for name, path in sorted(_settings_read_in(PACKAGE).items())
        if name not in documented
    ]
    assert not undocumented, "settings without documentation:\n" + "\n".join(undocumented)


def test_cited_list_codes_exist() -> None:
    known = _list_codes() | _source_codes()
    unknown = [
        f"{_rel(path)}:{number}: {code} is neither in src/supplyscreen/data/lists.yaml nor a source "
        "code of src/supplyscreen/data/sources.yaml"
        for path in _prose()
        for number, span in _code_spans(path)
        for code in LIST_CODE.findall(span)
        if code not in known
    ]
    assert not unknown, "unknown list codes:\n" + "\n".join(unknown)


def _domain_codes() -> set[str]:
    return {word for _, span in _code_spans(DOMAIN) for word in re.findall(r"[\w-]+", span)}


def test_every_list_code_is_explained() -> None:
    explained = _domain_codes()
    missing = [code for code in sorted(_list_codes()) if code not in explained]
    assert not missing, f"{_rel(DOMAIN)} does not explain these list codes of lists.yaml: {missing}"


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("model/screening.py", "FLAG_CODES"),
        ("model/screening.py", "SEVERITIES"),
        ("model/screening.py", "RISKS"),
        ("model/entity.py", "NON_HIT_STATUSES"),
        ("network/flags.py", "NETWORK_FLAGS"),
    ],
)
def test_every_flag_code_and_status_is_explained(module: str, name: str) -> None:
    path = PACKAGE / module
    values = _constant(path, name)
    explained = _domain_codes()
    missing = [value for value in values if value not in explained]
    assert not missing, f"{_rel(DOMAIN)} does not explain {name} of {_rel(path)}: {missing}"
