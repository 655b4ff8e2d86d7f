"""Memory of a process and the processes it started (brief workers), sampled while it works.

Summing each process's own peak (VmHWM) over-counts twice: the peaks need not coincide, and
pages that processes share (libraries, the interpreter) count once per process. So a sampler
thread also reads, every ``interval`` seconds, the RSS and the PSS (shared pages divided among
the processes that share them) of the whole tree at that moment and keeps the largest sums.
Linux only (/proc); elsewhere it reports this process alone.
"""

from __future__ import annotations

import os
import resource
import threading
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def _field_kb(path: Path, name: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def descendants(root: int, exclude: frozenset[int] = frozenset()) -> list[int]:
    """``root`` and every live process below it, leaving out ``exclude`` and their children."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in exclude:
            continue
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def tree_cpu_seconds(exclude: set[int] | None = None) -> float:
    """CPU time used so far by this process and its live descendants (user + system)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in descendants(os.getpid(), frozenset(exclude or ())):
        try:
            fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return total / ticks


@dataclass
class TreeMemory:
    processes: int = 0  # most processes seen at once
    rss_mb: float = 0.0  # largest sum of RSS at one moment
    pss_mb: float = 0.0  # largest sum of PSS at one moment
    hwm_sum_mb: float = 0.0  # sum of each process's own peak (an upper bound)


class TreeSampler:
    """``with TreeSampler(exclude={server_pid}) as memory: ...`` then read ``memory.peak``."""

    def __init__(self, exclude: set[int] | None = None, interval: float = 0.1) -> None:
        self._root = os.getpid()
        self._exclude = frozenset(exclude or ())
        self._interval = interval
        self._hwm: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self.peak = TreeMemory()

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
        self._hwm[self._root] = max(self._hwm.get(self._root, 0), own)
        self.peak.hwm_sum_mb = sum(self._hwm.values()) / 1024

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def sample(self) -> None:
        if not PROC.is_dir():
            return
        pids = descendants(self._root, self._exclude)
        rss = pss = 0
        for pid in pids:
            folder = PROC / str(pid)
            rss += _field_kb(folder / "status", "VmRSS:")
            pss += _field_kb(folder / "smaps_rollup", "Pss:")
            self._hwm[pid] = max(self._hwm.get(pid, 0), _field_kb(folder / "status", "VmHWM:"))
        peak = self.peak
        peak.processes = max(peak.processes, len(pids))
        peak.rss_mb = max(peak.rss_mb, rss / 1024)
        peak.pss_mb = max(peak.pss_mb, pss / 1024)

    def summary(self) -> str:
        p = self.peak
        return (
            f"{p.processes} process(es): peak RSS sum {p.rss_mb:.0f} MB, peak PSS sum {p.pss_mb:.0f} MB, "
            f"sum of each process's peak {p.hwm_sum_mb:.0f} MB"
        )
