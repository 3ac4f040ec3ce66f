"""Writing an output file all at once: into a temp file beside it, renamed into place at the end.

A screening interrupted half-way never leaves a half-written result where the last good one was,
and a result is never written over the file being screened.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from supplyscreen.report.context import ReportError


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (after resolving links, or as one inode when both exist)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(out: Path, input_path: Path | None) -> None:
    """Refuse an output that is the input file, a folder, or in a folder that does not exist."""
    if input_path is not None and same_file(out, Path(input_path)):
        raise ReportError(f"{out}: the output would overwrite the input file; choose another --out")
    if out.is_dir():
        raise ReportError(f"{out}: is a folder; give a file name for the output")
    if not out.parent.is_dir():
        raise ReportError(f"{out}: the folder {out.parent} does not exist")


@contextmanager
def atomic_output(out: Path, input_path: Path | None = None) -> Iterator[Path]:
    """A temp path in ``out``'s folder to write to; renamed to ``out`` when the block ends without error.

    On error the temp file is removed and the previous ``out`` (if any) stays as it was.
    """
    out = Path(out)
    check_output_path(out, input_path)
    try:
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise ReportError(f"{out}: cannot write in {out.parent}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp creates the file readable by its owner only; give it the mode a new file would have.
        mode = out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def replace(new: Path, out: Path) -> None:
    """``os.replace(new, out)``. Where ``out`` is an earlier result (a regular file, on POSIX), it is
    opened first and closed in a thread afterwards: the system frees its blocks at that close, not
    in the rename the caller waits for (50 ms for the 200 MB result of a million rows)."""
    old = None
    if os.name == "posix":
        try:
            if stat.S_ISREG(os.stat(out).st_mode):
                old = os.open(out, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            old = None
    try:
        os.replace(new, out)
    finally:
        if old is not None:
            try:
                threading.Thread(target=os.close, args=(old,), daemon=True).start()
            except RuntimeError:  # no thread to be had (the interpreter is shutting down)
                os.close(old)


def _umask() -> int:
    """The process umask (read by setting and restoring it; called once per output file)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
