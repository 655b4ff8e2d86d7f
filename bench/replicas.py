"""Several `briefbot run` replicas on one PostgreSQL (issue 16): nothing lost, nothing twice.

Starts a throwaway PostgreSQL cluster (tests/postgres.py: the machine's server binaries, a
free loopback port) and a loopback news site (tests/fakes/web.py: ``--articles`` stories in
``--feeds`` RSS feeds, each story a page), then three phases, each on a fresh database:

1. Kill test. Three `briefbot run` processes share the work; every ``--kill-every`` seconds one
   of them is ``kill -9``ed and started again. The terminal chat (``console::terminal``, the same
   channel in every replica) gets each brief as it comes (each mode) and ``--digest-channels``
   more console channels a digest each. Counted across the replicas' outputs and the database:
   every article stored and briefed once, posted once; every digest posted once per channel;
   none lost. Takeover: from a kill until no feed or article is still claimed by the dead
   process (the others took its work over).
2. Throughput: 1, 2 and 3 replicas on the same input (the local backend, one in-process worker
   each), each pinned to a core of its own while there are enough (``os.sched_setaffinity``;
   past that they share, and the line says so). Timed from the feeds switched on (the replicas
   started, their models loaded and 6 s idle behind them) to the last article briefed: briefs
   per second, and CPU seconds per brief of every process (replicas, PostgreSQL server and its
   backends, news site; /proc), briefs per CPU-second of the replicas, statements per brief
   (pg_stat_statements), time spent waiting for the write lock. Briefs/s can grow with
   replicas only while each has a free core; CPU per brief that stays the same from 1 to 3
   replicas says that nothing is wasted in sharing the work, so that it would. ``--detail``
   lists the statements run most.
3. Digest lateness: ``--channels`` console channels in 30 timezones, all due at the same
   instant, across 3 replicas: how late each digest was posted (ledger ``posted_at`` minus the
   due time), and how the replicas shared them.

    python bench/replicas.py                                   # 1,000 articles, 1,000 channels
    python bench/replicas.py --articles 120 --channels 200     # a quick run

Needs PostgreSQL's server binaries (Debian: apt-get install postgresql).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from bot.replies import ChannelRef  # noqa: E402
from bot.settings import PostgresLocation  # noqa: E402
from bot.store import DigestSchedule, NewArticle, Store  # noqa: E402
from summarizer.brief import Brief  # noqa: E402
from tests.postgres import Cluster, find_bin_dir, running_cluster  # noqa: E402

TERMINAL = ChannelRef("console", "terminal")
LEASE_S = 6  # [store] lease for the bench: takeover within about this long
IDLE_S = 6.0  # throughput: how long the replicas are watched with nothing to do before the work
STATEMENT_STATS = {"shared_preload_libraries": "'pg_stat_statements'"}  # statements per brief
ZONES = [
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Chicago", "America/New_York", "America/Caracas", "America/Halifax",
    "America/St_Johns", "America/Sao_Paulo", "Atlantic/South_Georgia", "Atlantic/Azores",
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Athens", "Europe/Moscow", "Asia/Tehran",
    "Asia/Dubai", "Asia/Kabul", "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu",
    "Asia/Dhaka", "Asia/Yangon", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Adelaide", "Pacific/Auckland",
]  # fmt: skip


# -- the pieces ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    url: str  # the base URL
    pid: int


@contextlib.contextmanager
def news_site(articles: int, feeds: int) -> Iterator[Site]:
    """The loopback news site in its own process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.web", "--articles", str(articles), "--feeds", str(feeds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield Site(proc.stdout.readline().strip().rstrip("/"), proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


@dataclass
class Replica:
    """One `briefbot run` process; killed and restarted it keeps its output files."""

    index: int
    config: Path
    env: dict[str, str]
    out: Path
    err: Path
    proc: subprocess.Popen[bytes] | None = None
    pids: list[int] = field(default_factory=list)

    def start(self, cores: set[int] | None = None) -> None:
        """Start it; with ``cores``, on those CPU cores only (set before Python starts, so that
        every thread it makes inherits them)."""
        with self.out.open("ab") as out, self.err.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(self.config)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=self.env,
                preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None,
            )
        self.pids.append(self.proc.pid)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss_mb(self) -> float:
        """The process's resident memory now, in MB (0 when it is gone)."""
        assert self.proc is not None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def ready(self) -> bool:
        return "scheduler started" in self.err.read_text(errors="replace")


@dataclass
class Deployment:
    cluster: Cluster
    dbname: str
    work: Path

    @property
    def conninfo(self) -> str:
        return self.cluster.admin_conninfo(self.dbname)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            return list(conn.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.query(sql, params)[0][0]

    async def store(self) -> Store:
        return await Store.open(
            PostgresLocation(self.cluster.url(self.dbname)), password=self.cluster.password
        )

    def replicas(self, count: int, **sections: dict[str, Any]) -> list[Replica]:
        config = self.work / f"{self.dbname}.toml"
        text: dict[str, dict[str, Any]] = {
            "store": {"url": self.cluster.url(self.dbname), "lease": f"{LEASE_S}s"},
            "summarizer": {"backend": "local", "workers": 1},
            "fetch": {"allow_private_networks": True},
            "feeds": {"sample_feed": False},
            **sections,
        }
        config.write_text(
            "".join(
                f"[{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items()) + "\n"
                for name, values in text.items()
            )
        )
        env = {**os.environ, "BRIEFBOT_DB_PASSWORD": self.cluster.password, "PYTHONUNBUFFERED": "1"}
        for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
            env.pop(name, None)
        return [
            Replica(
                i, config, env, self.work / f"{self.dbname}-r{i}.out", self.work / f"{self.dbname}-r{i}.err"
            )
            for i in range(1, count + 1)
        ]


@contextlib.contextmanager
def running(replicas: list[Replica], cores: list[set[int]] | None = None) -> Iterator[None]:
    """The replicas started (each on its ``cores``, when given), and stopped (SIGTERM) however
    the block ends."""
    try:
        for i, r in enumerate(replicas):
            r.start(cores[i] if cores else None)
        yield
    finally:
        for r in replicas:
            r.stop()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- CPU accounting (Linux /proc) ------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name (which may hold spaces): field 3 onwards."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process, its children that ended (cutime, cstime) and
    its children alive now: a PostgreSQL server's backends come and go, and each one's time
    moves from "alive" to the postmaster's cutime when it ends, so the sum only ever grows."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    total = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (child := _stat_fields(int(entry))) is not None and child[1] == str(pid):
            total += sum(int(v) for v in child[11:15])
    return total / TICK


def postmaster_pid(cluster: Cluster) -> int:
    return int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])


def wait_until(condition: Any, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def next_minute(after: datetime) -> datetime:
    return (after + timedelta(minutes=1)).replace(second=0, microsecond=0)


async def seed_digest_channels(
    store: Store, prefix: str, count: int, fire: datetime, feed_ids: list[int], now: float
) -> None:
    """``count`` console channels, subscribed to the feeds, each due at ``fire`` in its zone."""
    for n in range(count):
        zone = ZONES[n % len(ZONES)]
        ref = ChannelRef("console", f"{prefix}{n:04d}")
        await store.channels.ensure(ref, now)
        for feed_id in feed_ids:
            await store.channels.subscribe(ref.key, feed_id, now=now)
        local = fire.astimezone(ZoneInfo(zone))
        await store.channels.set_schedule(ref.key, DigestSchedule(f"{local:%H:%M}", zone), now)


# -- 1. the kill test --------------------------------------------------------------------------------


def kill_test(cluster: Cluster, work: Path, site: Site, args: argparse.Namespace) -> None:
    d = Deployment(cluster, cluster.create_database(), work)
    started = datetime.now(UTC)
    fire = next_minute(started + timedelta(seconds=args.digest_after))

    async def seed() -> None:
        store = await d.store()
        now = time.time()
        ids = [(await store.feeds.add(f"{site.url}/feeds/{i}.xml", 60, now))[0].id for i in range(args.feeds)]
        await store.channels.ensure(TERMINAL, now)
        for feed_id in ids:
            await store.channels.subscribe(TERMINAL.key, feed_id, now=now)
        await store.channels.set_mode(TERMINAL.key, "each", now)
        await seed_digest_channels(store, "digest-", args.digest_channels, fire, ids, now)
        await store.close()

    asyncio.run(seed())
    replicas = d.replicas(3, chat={"post_empty_digests": True})
    takeovers: list[float] = []
    threads: list[threading.Thread] = []

    def watch(pid: int, killed_at: float) -> None:
        """How long until no feed or article is claimed by the dead process any more."""
        pattern = f"%:{pid}:%"
        sql = (
            "SELECT (SELECT COUNT(*) FROM articles WHERE lease_owner LIKE %s) + "
            "(SELECT COUNT(*) FROM feeds WHERE lease_owner LIKE %s)"
        )
        held = d.scalar(sql, (pattern, pattern))
        if held and wait_until(lambda: d.scalar(sql, (pattern, pattern)) == 0, 120, 0.1):
            takeovers.append(time.monotonic() - killed_at)

    total = int(args.articles)
    deadline = time.monotonic() + args.timeout
    kills = 0
    rnd = random.Random(16)
    print(f"kill test: {total} articles in {args.feeds} feeds, 3 replicas, kill -9 every {args.kill_every}s")

    def each_done() -> bool:
        """Every article stored and briefed (or failed for good), every brief posted."""
        stored, queued, briefed, posted = d.query(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE state IN ('new', 'fetched')), "
            "COUNT(*) FILTER (WHERE state = 'briefed'), "
            "(SELECT COUNT(*) FROM deliveries WHERE kind = 'brief' AND state = 'posted') FROM articles"
        )[0]
        return bool(stored >= total and queued == 0 and posted >= briefed)

    last_report = time.monotonic()

    def digests_done() -> bool:
        return (
            datetime.now(UTC) > fire + timedelta(seconds=5)
            and int(d.scalar("SELECT COUNT(*) FROM deliveries WHERE kind = 'digest' AND state <> 'pending'"))
            >= args.digest_channels
        )

    with running(replicas):
        while time.monotonic() < deadline and not (each_done() and digests_done()):
            time.sleep(args.kill_every)
            if each_done() and digests_done():
                break
            if time.monotonic() - last_report > 30:
                last_report = time.monotonic()
                print(
                    "  progress:",
                    dict(d.query("SELECT state, COUNT(*) FROM articles GROUP BY state")),
                    flush=True,
                )
            victim = rnd.choice(replicas)
            killed_at = time.monotonic()
            pid = victim.kill()
            kills += 1
            thread = threading.Thread(target=watch, args=(pid, killed_at), daemon=True)
            thread.start()
            threads.append(thread)
            victim.start()
        for thread in threads:
            thread.join(130)
    report_kill_test(d, replicas, total, kills, takeovers, args.digest_channels)


def report_kill_test(
    d: Deployment, replicas: list[Replica], total: int, kills: int, takeovers: list[float], channels: int
) -> None:
    outputs = "".join(r.out.read_text(errors="replace") for r in replicas)
    errors = "".join(r.err.read_text(errors="replace") for r in replicas)
    titles = dict(d.query("SELECT a.title, a.id FROM articles a"))
    posted = Counter(re.findall(r"New article:\n(.+)\n", outputs))
    per_article = Counter(posted.get(title, 0) for title in titles)
    digests_out = len(re.findall(r"^Daily digest — ", outputs, flags=re.MULTILINE))
    states = dict(d.query("SELECT state, COUNT(*) FROM articles GROUP BY state"))
    ledger = dict(d.query("SELECT kind || ':' || state, COUNT(*) FROM deliveries GROUP BY 1"))
    redone = sum(int(n) for n in re.findall(r"briefs outlived their claims.* lost=(\d+)", errors))
    print(f"  kills: {kills} (kill -9, then restarted at once)")
    print(f"  articles stored: {len(titles)} of {total}; states: {dict(sorted(states.items()))}")
    print(f"  briefs stored: {d.scalar('SELECT COUNT(*) FROM briefs')} (one per article at most, by key)")
    print(
        "  each-mode posts per article across the 3 outputs: "
        + ", ".join(f"{times}x: {n}" for times, n in sorted(per_article.items()))
    )
    print(f"  digests: {digests_out} printed for {channels} channels; ledger: {dict(sorted(ledger.items()))}")
    print(f"  briefs made by a replica after its claim was taken over (dropped, not stored): {redone}")
    print(f"  kills while the victim held claimed work: {len(takeovers)}")
    if takeovers:
        print(
            f"  takeover after kill -9 (no claim of the dead process left; lease {LEASE_S}s): "
            f"median {statistics.median(takeovers):.1f}s, max {max(takeovers):.1f}s "
            f"over {len(takeovers)} kills "
            "that held work"
        )


# -- 2. throughput ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    replicas: int
    briefed: int
    elapsed: float  # from the feeds switched on to the last article briefed (s)
    cpu: dict[str, float]  # CPU seconds in that window: "replicas", "server", "site"
    each: list[float]  # CPU seconds of each replica in that window
    idle: float  # CPU seconds per second a replica spends with nothing to do (polling), on average
    statements: int  # SQL statements the replicas ran on the server (pg_stat_statements)
    lock_wait_s: float  # time the replicas' connections spent waiting for the write lock
    lock_waits: int  # samples of a backend of this database waiting for a lock (every 0.25 s)
    samples: int
    load: tuple[float, float]  # the machine's load average (1 minute) at the start and the end
    peak_mb: float  # the most resident memory a replica had
    top: list[tuple[int, int, float, str]]  # (calls, rows, ms in all, statement), most called first


def pin(count: int) -> list[set[int]]:
    """A core of its own for each replica while there are enough; past that they share, in
    turn. None of them is kept off the cores the server and the news site use."""
    cores = sorted(os.sched_getaffinity(0))
    return [{cores[i % len(cores)]} for i in range(count)]


def throughput(cluster: Cluster, work: Path, site: Site, args: argparse.Namespace, count: int) -> Throughput:
    d = Deployment(cluster, cluster.create_database(), work)

    async def seed() -> None:
        store = await d.store()
        for i in range(args.feeds):
            feed, _ = await store.feeds.add(f"{site.url}/feeds/{i}.xml", 3600, time.time())
            await store.db.execute("UPDATE feeds SET disabled = 1 WHERE id = ?", (feed.id,))
        await store.close()

    asyncio.run(seed())
    replicas = d.replicas(count)
    cores = pin(count)
    server = postmaster_pid(cluster)
    with running(replicas, cores), psycopg.connect(d.conninfo, autocommit=True) as conn:
        if not wait_until(lambda: all(r.ready() for r in replicas), 180):
            raise RuntimeError("replicas did not start")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")

        def cpu_now() -> dict[str, float]:
            return {
                **{f"r{r.index}": tree_cpu(r.pid) for r in replicas},
                "server": tree_cpu(server),
                "site": tree_cpu(site.pid),
            }

        idle_from = cpu_now()
        time.sleep(IDLE_S)
        cpu_before = cpu_now()
        idle = sum(cpu_before[f"r{r.index}"] - idle_from[f"r{r.index}"] for r in replicas) / count / IDLE_S
        load_before = os.getloadavg()[0]
        began = time.monotonic()
        conn.execute("UPDATE feeds SET disabled = 0")
        waits = samples = 0
        peak = 0.0
        while time.monotonic() - began < args.timeout:
            peak = max([peak, *(r.rss_mb() for r in replicas)])
            done = conn.execute(
                "SELECT COUNT(*) FROM articles WHERE state IN ('briefed', 'failed')"
            ).fetchone()
            if done is not None and int(done[0]) >= args.articles:
                break
            waiting = conn.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).fetchone()
            waits += int(waiting[0]) if waiting else 0
            samples += 1
            time.sleep(0.25)
        elapsed = time.monotonic() - began
        cpu_after = cpu_now()
        rows = conn.execute(
            "SELECT calls, rows, total_exec_time, query FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND query NOT LIKE '%pg_stat%' "
            "AND query NOT LIKE 'SELECT COUNT(*) FROM articles WHERE state IN%' "
            "ORDER BY calls DESC"
        ).fetchall()
        briefed = int(conn.execute("SELECT COUNT(*) FROM briefs").fetchone()[0])  # type: ignore[index]
    spent = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
    result = Throughput(
        replicas=count,
        briefed=briefed,
        elapsed=elapsed,
        cpu={
            "replicas": sum(spent[f"r{r.index}"] for r in replicas),
            "server": spent["server"],
            "site": spent["site"],
        },
        each=[spent[f"r{r.index}"] for r in replicas],
        idle=idle,
        statements=sum(int(r[0]) for r in rows),
        lock_wait_s=sum(float(ms) for _, _, ms, q in rows if "pg_advisory_xact_lock" in str(q)) / 1000,
        lock_waits=waits,
        samples=samples,
        load=(load_before, os.getloadavg()[0]),
        peak_mb=peak,
        top=[(int(c), int(n), float(ms), " ".join(str(q).split())[:140]) for c, n, ms, q in rows[:14]],
    )
    print_throughput(result, cores, args.detail)
    return result


def print_throughput(t: Throughput, cores: list[set[int]], detail: bool) -> None:
    per = max(t.briefed, 1)
    total = sum(t.cpu.values())
    shared = len({min(c) for c in cores}) < len(cores)
    on = "/".join(str(min(c)) for c in cores)
    print(
        f"  {t.replicas} replica{'s' if t.replicas > 1 else ' '} (cores {on}"
        f"{', sharing' if shared else ''}): {t.briefed} briefed in {t.elapsed:.1f}s = "
        f"{t.briefed / t.elapsed:.1f} briefs/s; CPU s per brief: "
        f"{total / per * 1000:.0f} ms in all (replicas {t.cpu['replicas'] / per * 1000:.0f}, "
        f"server {t.cpu['server'] / per * 1000:.0f}, news site {t.cpu['site'] / per * 1000:.0f}); "
        f"{t.briefed / max(t.cpu['replicas'], 1e-9):.1f} briefs per replica CPU-second "
        f"[load {t.load[0]:.1f}-{t.load[1]:.1f}]"
    )
    print(
        "    busy: replicas "
        + " / ".join(f"{cpu / t.elapsed:.2f}" for cpu in t.each)
        + f" of a core each ({t.cpu['replicas'] / t.elapsed:.2f} in all), "
        + f"server {t.cpu['server'] / t.elapsed:.2f}, "
        + f"news site {t.cpu['site'] / t.elapsed:.2f}; idle before the work "
        + f"{t.idle * 1000:.0f} ms of CPU per second each (a poll every {LEASE_S / 3:.0f} s)"
    )
    print(
        f"    statements per brief {t.statements / per:.1f}; waiting for the write lock "
        f"{t.lock_wait_s / per * 1000:.0f} ms per brief; backends waiting for a lock: "
        f"{t.lock_waits} in {t.samples} samples; peak memory of a replica {t.peak_mb:.0f} MB"
    )
    if detail:
        for calls, rows, ms, query in t.top:
            print(f"    {calls / per:6.2f}/brief  rows {rows:6d}  {ms / 1000:6.1f}s  {query}")


def summarize_throughput(runs: list[Throughput]) -> None:
    """What the three runs say about scaling, on this machine and on one with enough cores."""
    per = [sum(t.cpu.values()) / max(t.briefed, 1) * 1000 for t in runs]
    own = [t.cpu["replicas"] / max(t.briefed, 1) * 1000 for t in runs]
    print(
        "  CPU per brief, all processes, 1 / 2 / 3 replicas: "
        + " / ".join(f"{ms:.0f}" for ms in per)
        + " ms (replicas alone "
        + " / ".join(f"{ms:.0f}" for ms in own)
        + f" ms): {max(per) / min(per) - 1:+.0%} from the lowest to the highest"
    )
    # Each replica polls while it waits; what is left is the work of briefing itself.
    work = [(t.cpu["replicas"] - t.idle * t.elapsed * t.replicas) / max(t.briefed, 1) * 1000 for t in runs]
    print(
        "  replicas' CPU per brief less their idle polling, 1 / 2 / 3 replicas: "
        + " / ".join(f"{ms:.0f}" for ms in work)
        + " ms"
    )
    # A replica briefs at most one core's worth; the server and the news site need their share
    # on top. Three replicas at full speed need that many cores free for them all.
    last = runs[-1]
    share = (last.cpu["server"] + last.cpu["site"]) / max(last.cpu["replicas"], 1e-9)
    needed = last.replicas * (1 + share)
    free = len(os.sched_getaffinity(0))
    print(
        f"  wall-clock briefs/s scale with replicas only while each has a core: 3 replicas, the "
        f"server and the news site need {needed:.1f} cores ({math.ceil(needed)} free); this "
        f"machine has {free}, load average {os.getloadavg()[0]:.1f} now"
    )
    if _autogroups():
        print(
            "  the kernel shares the CPU between sessions (sched_autogroup): every process this "
            "bench starts but the server (pg_ctl gives it a session of its own) is in its "
            "session, so on a busy machine the replicas get one session's share together, "
            "however many they are"
        )


def _autogroups() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


# -- 3. digest lateness ----------------------------------------------------------------------------


def lateness(cluster: Cluster, work: Path, args: argparse.Namespace) -> None:
    d = Deployment(cluster, cluster.create_database(), work)
    fire = next_minute(datetime.now(UTC) + timedelta(seconds=args.digest_after))

    async def seed() -> None:
        store = await d.store()
        now = time.time()
        feed, _ = await store.feeds.add("https://news.invalid/rss", 3600, now)
        await store.db.execute("UPDATE feeds SET disabled = 1 WHERE id = ?", (feed.id,))
        briefs = []
        for n in range(12):
            title = f"Story {n} of the day"
            await store.articles.add(NewArticle(id=f"s{n}", title=title, feed_id=feed.id, text=title), now)
            briefs.append(Brief(id=f"s{n}", title=title, tldr=f"What happened in story {n}."))
        await store.articles.save_briefs(briefs, now)
        await seed_digest_channels(store, "tz-", args.channels, fire, [feed.id], now - 60)
        await store.close()

    asyncio.run(seed())
    replicas = d.replicas(3)
    with running(replicas):
        if not wait_until(lambda: all(r.ready() for r in replicas), 180):
            raise RuntimeError("replicas did not start")
        ready_before = (fire - datetime.now(UTC)).total_seconds()
        wait_until(
            lambda: (
                int(d.scalar("SELECT COUNT(*) FROM deliveries WHERE kind = 'digest' AND state = 'posted'"))
                >= args.channels
            ),
            (fire - datetime.now(UTC)).total_seconds() + 120,
        )
    rows = d.query("SELECT posted_at, lease_owner FROM deliveries WHERE kind = 'digest' AND state = 'posted'")
    late = sorted(float(at) - fire.timestamp() for at, _ in rows)
    by_pid = Counter(str(owner).split(":")[1] for _, owner in rows)
    share = [by_pid.get(str(pid), 0) for r in replicas for pid in r.pids]
    outputs = sum(r.out.read_text(errors="replace").count("Daily digest — ") for r in replicas)
    print(
        f"digest lateness: {len(rows)} of {args.channels} channels in {len(ZONES)} timezones posted "
        f"({outputs} printed), all due at {fire:%H:%M:%S} UTC; replicas ready {ready_before:.0f}s before"
    )
    if late:
        p95 = late[min(len(late) - 1, int(0.95 * len(late)))]
        print(
            f"  lateness: median {statistics.median(late):.2f}s, p95 {p95:.2f}s, "
            f"max {max(late):.2f}s (target <= 5s)"
        )
        print(f"  posted per replica: {share}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--channels", type=int, default=1000, help="digest channels for the lateness phase")
    parser.add_argument("--digest-channels", type=int, default=30, help="digest channels in the kill test")
    parser.add_argument(
        "--digest-after", type=float, default=45.0, help="digests due this long after start (s)"
    )
    parser.add_argument("--kill-every", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=900.0, help="per phase (s)")
    parser.add_argument("--phases", default="kill,throughput,lateness")
    parser.add_argument(
        "--detail", action="store_true", help="throughput: the statements the replicas ran most, per brief"
    )
    args = parser.parse_args()
    # `timeout` and Ctrl-C: leave through the context managers, which stop every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit("bench/replicas.py needs PostgreSQL's server binaries (apt-get install postgresql)")
    phases = set(args.phases.split(","))
    print(f"machine: {os.cpu_count()} CPU cores (replicas beyond that share them)")
    with (
        tempfile.TemporaryDirectory(prefix="briefbot-replicas-") as tmp,
        running_cluster(bin_dir, STATEMENT_STATS) as cluster,
    ):
        work = Path(tmp)
        with news_site(args.articles, args.feeds) as site:
            if "kill" in phases:
                kill_test(cluster, work, site, args)
            if "throughput" in phases:
                print(
                    f"throughput: {args.articles} articles (pages fetched from loopback), "
                    "local backend, 1 worker each"
                )
                summarize_throughput([throughput(cluster, work, site, args, count) for count in (1, 2, 3)])
        if "lateness" in phases:
            lateness(cluster, work, args)


if __name__ == "__main__":
    main()
