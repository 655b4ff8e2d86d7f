"""`briefbot feeds|ingest|brief URL` as a user runs them: real subprocesses against the fake web."""

from __future__ import annotations

import asyncio
import html
import json
import re
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakes.web import FakeWeb, NewsSite, Resource, article_page, rss, story


def write_config(tmp_path: Path, allow_private: bool = True, extra: str = "") -> Path:
    config = tmp_path / "briefbot.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "data" / "b.db"}"\n'
        f"[fetch]\nallow_private_networks = {str(allow_private).lower()}\n{extra}"
    )
    return config


async def briefbot(*args: str, timeout: float = 180) -> tuple[int, str, str]:
    """Run the CLI without blocking the loop that serves the fake web."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def stderr_lines(err: str) -> list[str]:
    """What a user sees on stderr, without the log lines."""
    return [line for line in err.splitlines() if not line.startswith("ts=")]


async def test_feeds_add_list_and_remove(tmp_path: Path, web: FakeWeb) -> None:
    config = write_config(tmp_path)
    site = NewsSite(web, articles=2, feeds=1)
    url = web.url(site.feed_paths[0])

    code, out, _ = await briefbot("feeds", "add", url, "--interval", "1h", "--config", str(config))
    assert code == 0
    assert out.strip() == f"added feed 1: The Valley Courier 0 <{url}> every 1h"
    code, out, _ = await briefbot("--config", str(config), "feeds", "add", url)
    assert (code, out.split(":")[0]) == (0, "already subscribed")

    web.add("/not-a-feed", Resource(body=b"<html><body>hi</body></html>"))
    code, out, err = await briefbot("feeds", "add", web.url("/not-a-feed"), "--config", str(config))
    assert code == 1
    assert stderr_lines(err) == ["briefbot: this is a web page, not an RSS or Atom feed"]

    code, out, _ = await briefbot("feeds", "list", "--config", str(config))
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[:3] == ["ID", "EVERY", "LAST"]
    assert row.split()[:4] == ["1", "1h", "never", "0"]
    assert row.endswith(f"The Valley Courier 0 <{url}>")

    assert (await briefbot("feeds", "remove", "1", "--config", str(config)))[:2] == (0, "removed feed 1\n")
    code, _, err = await briefbot("feeds", "remove", "1", "--config", str(config))
    assert code == 1
    assert "no feed with id 1" in err


async def test_a_feed_that_keeps_failing_is_disabled_and_listed_with_its_reason(
    tmp_path: Path, web: FakeWeb
) -> None:
    config = write_config(tmp_path, extra="[feeds]\nmax_failures = 1\n")
    site = NewsSite(web, articles=1, feeds=1)
    assert (await briefbot("feeds", "add", web.url(site.feed_paths[0]), "--config", str(config)))[0] == 0
    web.add(site.feed_paths[0], Resource(status=500))
    code, out, err = await briefbot("ingest", "--config", str(config))
    assert code == 1
    assert "answered 500" in err
    assert out.startswith("polled 1 feeds (0 unchanged, 1 failed)")
    _, out, _ = await briefbot("feeds", "list", "--config", str(config))
    assert "disabled" in out.splitlines()[1]
    assert "disabled: failed 1 time in a row; last error: could not fetch" in out


async def test_ingest_with_no_feeds_says_how_to_add_one(tmp_path: Path) -> None:
    code, out, err = await briefbot("ingest", "--config", str(write_config(tmp_path)))
    assert code == 0
    assert "briefbot feeds add URL" in err
    assert out.startswith("polled 0 feeds")


async def test_archive_import_keeps_jsonl_ids(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    lines = [{"id": f"held-out-{n}", "title": story(n).title, "text": story(n).text} for n in (60, 61, 62)]
    jsonl = tmp_path / "articles.jsonl"
    jsonl.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    text = tmp_path / "notes.txt"
    text.write_text(story(63).title + "\n\n" + story(63).text)

    code, out, err = await briefbot("ingest", str(jsonl), str(text), "--config", str(config))
    assert code == 0, err
    assert out.strip() == "stored 4 articles (4 new, 0 already stored); briefed 4"
    db = tmp_path / "data" / "b.db"
    assert query(db, "SELECT id FROM articles ORDER BY id") == [
        ("held-out-60",),
        ("held-out-61",),
        ("held-out-62",),
        ("notes",),
    ]
    assert query(db, "SELECT COUNT(*) FROM briefs") == [(4,)]

    code, out, _ = await briefbot("--config", str(config), "ingest", str(jsonl))
    assert (code, out.strip()) == (0, "stored 3 articles (0 new, 3 already stored); briefed 3")

    missing = tmp_path / "missing.jsonl"
    code, out, err = await briefbot("ingest", str(missing), "--config", str(config))
    assert code == 1
    assert "cannot read" in err


async def test_an_id_reused_for_a_different_article_fails_that_line_by_name(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": "case-7", "title": story(70).title, "text": story(70).text}) + "\n")
    assert (await briefbot("ingest", str(first), "--config", str(config)))[0] == 0
    second = tmp_path / "second.jsonl"
    lines = [
        {"id": "case-7", "title": story(71).title, "text": story(71).text},  # another story, same id
        {"id": "case-8", "title": story(72).title, "text": story(72).text},
        {"id": "case-7", "title": story(70).title, "text": story(70).text.upper()},  # the same one
    ]
    second.write_text("".join(json.dumps(x) + "\n" for x in lines))

    code, out, err = await briefbot("ingest", str(second), "--config", str(config))
    assert code == 1
    (problem,) = [line for line in stderr_lines(err) if "case-7" in line]
    assert "different article" in problem
    assert out.strip() == "stored 2 articles (1 new, 1 already stored); briefed 2; 1 failed"
    db = tmp_path / "data" / "b.db"
    # The id still names the article first stored under it; the other story is not merged in.
    assert query(db, "SELECT id, title FROM articles ORDER BY id") == [
        ("case-7", story(70).title),
        ("case-8", story(72).title),
    ]


async def test_a_database_locked_too_long_is_said_in_one_line(tmp_path: Path) -> None:
    """Another process holding the write lock beyond the wait costs a clear message, not a
    traceback."""
    config = write_config(tmp_path)
    assert (await briefbot("feeds", "list", "--config", str(config)))[0] == 0  # creates the database
    feed = tmp_path / "feed.xml"
    feed.write_text(rss([story(90)], link=None, full_text=True))
    holder = sqlite3.connect(tmp_path / "data" / "b.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the lock
    try:
        code, _, err = await briefbot("feeds", "add", str(feed), "--config", str(config))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1
    assert "Traceback" not in err
    (line,) = stderr_lines(err)
    assert "busy" in line
    assert "b.db" in line


async def test_brief_url_fetches_stores_and_briefs(tmp_path: Path, web: FakeWeb) -> None:
    config = write_config(tmp_path)
    s = story(70)
    web.page(f"/news/{s.slug}", article_page(s))
    code, out, err = await briefbot("brief", "--json", web.url(f"/news/{s.slug}"), "--config", str(config))
    assert code == 0, err
    brief = json.loads(out)
    assert brief["title"] == s.title
    assert brief["url"] == web.url(f"/news/{s.slug}")
    assert query(tmp_path / "data" / "b.db", "SELECT COUNT(*) FROM briefs") == [(1,)]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/", "169.254.169.254 is a link-local address"),
        ("http://localhost/", "localhost is this machine"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://2130706433/", "2130706433 is a loopback address"),
        ("http://10.0.0.1/", "10.0.0.1 is a private network address"),
    ],
)
async def test_brief_refuses_private_targets_with_one_line(tmp_path: Path, url: str, reason: str) -> None:
    code, out, err = await briefbot(
        "brief", url, "--config", str(write_config(tmp_path, allow_private=False))
    )
    assert code == 1
    assert out == ""
    assert err.splitlines() == [f"briefbot: refusing to fetch {url}: {reason}"]


async def test_kill_mid_ingest_then_resume_stores_and_briefs_everything_once(
    tmp_path: Path, web: FakeWeb
) -> None:
    """The acceptance scenario: add feeds, run `briefbot ingest`, SIGKILL it halfway, run it
    again — every article stored once and briefed once."""
    config = write_config(tmp_path)
    site = NewsSite(web, articles=40, feeds=2)
    for path in site.feed_paths:
        await briefbot("feeds", "add", web.url(path), "--config", str(config))
    for s in site.stories:  # slow pages: the run takes a few seconds
        web.resources[f"/news/{s.slug}"].delay = 0.08
    db = tmp_path / "data" / "b.db"

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "ingest", "--config", str(config), cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    briefed = 0
    while time.monotonic() < deadline and proc.returncode is None:
        briefed = query(db, "SELECT COUNT(*) FROM briefs")[0][0] if db.exists() else 0  # type: ignore[assignment]
        if briefed >= 3:
            break
        await asyncio.sleep(0.05)
    assert proc.returncode is None, "the first run finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    states = dict(query(db, "SELECT state, COUNT(*) FROM articles GROUP BY state"))
    assert 0 < query(db, "SELECT COUNT(*) FROM briefs")[0][0] < 40  # type: ignore[operator]
    assert states != {"briefed": 40}

    code, out, err = await briefbot("ingest", "--config", str(config))
    assert code == 0, err
    assert out.endswith(f"briefed {40 - int(states.get('briefed', 0))}, failed 0\n")
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT canonical_url) FROM articles") == [(40, 40)]
    assert query(db, "SELECT state, COUNT(*) FROM articles GROUP BY state") == [("briefed", 40)]
    assert query(db, "SELECT COUNT(*), COUNT(DISTINCT article_id) FROM briefs") == [(40, 40)]
    stored_urls = {row[0] for row in query(db, "SELECT canonical_url FROM articles")}
    assert stored_urls == {web.url(f"/news/{s.slug}") for s in site.stories}


async def test_a_lone_surrogate_costs_neither_the_import_nor_the_feed_that_carries_it(
    tmp_path: Path, web: FakeWeb
) -> None:
    config = write_config(tmp_path)
    db = tmp_path / "data" / "b.db"
    # "\ud800" is legal JSON, and what it decodes to cannot be stored as UTF-8.
    rows = [{"id": f"s-{n}", "title": story(n).title, "text": story(n).text} for n in (80, 81, 82)]
    rows[1]["title"] += " \ud800"
    jsonl = tmp_path / "articles.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="ascii")
    code, out, err = await briefbot("ingest", str(jsonl), "--config", str(config))
    assert code == 0, err
    assert out.strip() == "stored 3 articles (3 new, 0 already stored); briefed 3"
    assert query(db, "SELECT COUNT(*) FROM briefs") == [(3,)]

    # A JSON Feed and an RSS feed whose items carry one; neither feed may fail its polls.
    s, t = story(83), story(84)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Surrogate \ud800 news",
        "items": [
            {"id": "j1", "title": s.title + " \udfff", "content_text": s.text + " \ud800"},
            {"id": "j2", "title": t.title, "content_text": t.text},
        ],
    }
    web.feed("/feed.json", json.dumps(feed), content_type="application/feed+json")
    u = story(85)
    broken_rss = rss([u], link=None).replace(html.escape(u.title), "Harbour &#xD800; &#55296; works")
    web.feed("/rss.xml", broken_rss)
    for path in ("/feed.json", "/rss.xml"):
        code, out, err = await briefbot("feeds", "add", web.url(path), "--config", str(config))
        assert code == 0, err
    for _ in range(2):  # every poll, not only the first
        code, out, err = await briefbot("ingest", "--all", "--config", str(config))
        assert code == 0, err
        assert "0 failed" in out
    assert query(db, "SELECT failures, last_error FROM feeds") == [(0, None), (0, None)]
    titles = [t for (t,) in query(db, "SELECT title FROM articles")]
    assert f"{s.title} \ufffd" in titles
    assert "Harbour \ufffd \ufffd works" in titles
    assert query(db, "SELECT COUNT(*) FROM briefs") == [(6,)]


async def test_numbers_too_large_to_use_get_an_error_naming_the_argument_or_key(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    code, _, err = await briefbot(
        "feeds",
        "add",
        "http://127.0.0.1:9/rss",
        "--interval",
        "99999999999999999999d",
        "--config",
        str(config),
    )
    assert code == 2
    assert "argument --interval: too long a duration (at most 365d)" in err
    for action in ("remove", "enable"):
        code, _, err = await briefbot("feeds", action, "99999999999999999999999", "--config", str(config))
        assert code == 2
        assert "argument ID: 99999999999999999999999 is not a feed id" in err
    for toml in (
        '[llm]\ntimeout = "99999999999999999999d"\n',
        "[llm]\ntimeout = inf\n",
        "[fetch]\ntimeout = 1e300\n",
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(toml)
        code, _, err = await briefbot("doctor", "--config", str(bad))
        assert code == 2
        assert "timeout" in err
        assert "Traceback" not in err
        assert len(err.splitlines()) == 1


async def test_an_import_names_what_failed_and_never_counts_it_as_already_stored(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    db = tmp_path / "data" / "b.db"
    good = [{"id": f"ok-{n}", "title": story(n).title, "text": story(n).text} for n in (86, 87)]
    bad = [
        {"id": "list-title", "title": ["a", "b"], "text": story(88).text},
        {
            "id": "german",
            "text": "Die Hafenbehörde hat am Dienstag einen sechsmonatigen Versuch mit Nachtfähren "
            "genehmigt, nachdem Pendler und Hotelbesitzer monatelang Druck gemacht hatten. Die Stadt "
            "prüft die Ergebnisse im Frühjahr und entscheidet dann über einen dauerhaften Betrieb.",
        },
    ]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text("\n".join(json.dumps(x) for x in good[:1] + bad) + "\n")
    await briefbot("ingest", str(jsonl), "--config", str(config))
    jsonl.write_text("\n".join(json.dumps(x) for x in good + bad) + "\n")
    code, out, err = await briefbot("ingest", str(jsonl), "--config", str(config))
    assert code == 1
    assert out.strip() == "stored 2 articles (1 new, 1 already stored); briefed 2; 2 failed"
    assert 'a.jsonl:3: "title" must be a string' in err
    assert "german: not briefed" in err
    assert query(db, "SELECT id FROM articles WHERE title LIKE '[%'") == []


TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


async def test_feed_titles_and_errors_cannot_drive_the_terminal(tmp_path: Path, web: FakeWeb) -> None:
    config = write_config(tmp_path)
    u = story(89)
    hostile = rss([u], link=None, title="PLACEHOLDER").replace(
        "PLACEHOLDER", "&#x1b;]0;PWNED&#x7;&#x1b;[2J Valley &#x202e;news"
    )
    web.feed("/hostile.xml", hostile)
    code, out, err = await briefbot("feeds", "add", web.url("/hostile.xml"), "--config", str(config))
    assert code == 0, err
    assert not TERMINAL_CONTROL.search(out), repr(out)
    assert "]0;PWNED" in out  # shown as text, inert
    # Whatever an older version stored is shown inert too, and each feed stays on its line.
    with sqlite3.connect(tmp_path / "data" / "b.db") as conn:
        conn.execute(
            "UPDATE feeds SET title = ?, last_error = ?, failures = 1",
            ("\x1b]0;PWNED\x07\x1b[2J\nforged title", "\x1b[31mred\x1b[0m\nforged error"),
        )
    code, out, err = await briefbot("feeds", "list", "--config", str(config))
    assert code == 0, err
    assert not TERMINAL_CONTROL.search(out), repr(out)
    assert len(out.splitlines()) == 3  # header, the feed, its last error
    assert not any(line.startswith("forged") for line in out.splitlines())


async def test_ids_in_error_and_log_lines_cannot_forge_a_line(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    german = (
        "Die Hafenbehörde hat am Dienstag einen sechsmonatigen Versuch mit Nachtfähren genehmigt, "
        "nachdem Pendler und Hotelbesitzer monatelang Druck gemacht hatten. Die Stadt prüft die "
        "Ergebnisse im Frühjahr und entscheidet dann über einen dauerhaften Betrieb."
    )
    forged = "x\nts=2031-01-01 level=ERROR logger=briefbot msg=forged \x1b[2J\u202e"
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps({"id": forged, "text": german}) + "\n" + json.dumps({"id": forged}) + "\n")
    for command in ("brief", "ingest"):
        code, _, err = await briefbot(command, str(jsonl), "--config", str(config))
        assert code == 1
        assert not TERMINAL_CONTROL.search(err), repr(err)
        assert not any(line.startswith("ts=2031") for line in err.splitlines()), err
        assert "x\\nts=2031-01-01" in err  # the id is shown, its line break as \n


async def test_a_feed_address_without_a_host_says_so(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    for url in ("http://", "https://"):
        code, _, err = await briefbot("feeds", "add", url, "--config", str(config))
        assert code == 1
        assert stderr_lines(err) == [f"briefbot: {url} has no host name"]
    code, _, err = await briefbot("feeds", "add", "http://[", "--config", str(config))
    assert code == 1
    assert stderr_lines(err) == ["briefbot: http://[ is not a valid URL (Invalid IPv6 URL)"]
