"""A process and all its descendants, read from Linux /proc: their resident memory and CPU time.

Used by the screening and Spark benchmarks to measure a command together with every process it starts
(worker processes, the JVM and Spark's Python workers).
"""

from __future__ import annotations

import os

TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state, ppid, …), which may hold spaces."""
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def descendants(root: int) -> list[int]:
    """``root`` and every process below it, from one pass over /proc (parent → children)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry))[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def rss_kb(pid: int) -> int:
    """Resident memory of one process in kB (0 once it has ended, or for a kernel thread)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split(":", 1)[1].split()[0])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process, its waited-for children included (0 once it has ended)."""
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / TICK  # utime stime cutime cstime


def tree_rss_mb(root: int) -> int:
    """Resident memory of a process and all its descendants, in MB."""
    return sum(rss_kb(pid) for pid in descendants(root)) // 1024


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and all its descendants (waited-for children included)."""
    return sum(cpu_seconds(pid) for pid in descendants(root))
