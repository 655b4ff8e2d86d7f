"""`briefbot brief` as a user runs it: a real subprocess, real model, real files."""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT

ARTICLE = """Harbour Authority Approves Night Ferry Trial

The Portvale Harbour Authority on Tuesday approved a six-month trial of night ferries between
Portvale and the island town of Kessing, after months of pressure from commuters and hotel owners.
Authority chair Miriam Okafor said the trial aims to cut evening road traffic and to test whether
demand justifies a permanent service. The ferry operator, Blue Gull Lines, plans to run two
crossings an hour until midnight. Residents of Kessing remain divided over noise from the new
terminal, and the question of who pays for extra harbour lighting is still unresolved. The city
council of Portvale will review the trial's results in the spring.
"""


def briefbot(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def briefbot_bytes(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """``briefbot`` fed raw bytes (any encoding, or none) on standard input."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, cwd=ROOT, timeout=120
    )


def test_brief_json_from_txt_file(tmp_path: Path) -> None:
    path = tmp_path / "ferry.txt"
    path.write_text(ARTICLE)
    proc = briefbot("brief", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    brief = json.loads(line)
    assert brief["id"] == "ferry"
    assert brief["title"] == "Harbour Authority Approves Night Ferry Trial"
    assert set(brief) >= {
        "id",
        "title",
        "url",
        "published",
        "tldr",
        "who",
        "where",
        "objectives",
        "open_issues",
        "backend",
    }
    assert brief["backend"].startswith("local:en_core_web_sm")
    names = [w["name"] for w in brief["who"]]
    assert any("Okafor" in n for n in names)
    assert any("Portvale" in p["name"] for p in brief["where"])


def test_jsonl_batch_echoes_ids_and_reports_bad_lines(tmp_path: Path) -> None:
    rows = [
        {"id": "a-1", "title": "Ferry", "text": ARTICLE},
        {"id": "a-2", "title": "Empty", "text": "   "},
        {"id": 77, "title": "Ferry again", "text": ARTICLE},
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    proc = briefbot("brief", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a-1", "a-2", "77"]
    assert "error" in out[1]
    assert "empty" in out[1]["error"]
    assert "who" in out[0]
    assert "who" in out[2]
    assert "batch.jsonl:4: not valid JSON" in proc.stderr


def test_stdin_and_config_after_command(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[logging]\nlevel = 'WARNING'\n")
    proc = briefbot("brief", "-", "--config", str(cfg), stdin=ARTICLE)
    assert proc.returncode == 0, proc.stderr
    assert "Who:" in proc.stdout
    assert "Okafor" in proc.stdout


def test_config_before_command_with_bad_key_stops_with_its_name(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[summarizer]\nspacy_modle = 'x'\n")
    proc = briefbot("--config", str(cfg), "brief", "-", stdin=ARTICLE)
    assert proc.returncode == 2
    assert "[summarizer] spacy_modle" in proc.stderr


def test_non_english_and_missing_inputs_fail_clearly(tmp_path: Path) -> None:
    german = tmp_path / "de.txt"
    german.write_text(
        "Die Hafenbehörde hat am Dienstag einen sechsmonatigen Versuch mit Nachtfähren genehmigt, "
        "nachdem Pendler und Hotelbesitzer monatelang Druck gemacht hatten. Die Stadt prüft die "
        "Ergebnisse im Frühjahr und entscheidet dann über einen dauerhaften Betrieb."
    )
    proc = briefbot("brief", str(german), str(tmp_path / "missing.txt"), str(tmp_path / "x.pdf"))
    assert proc.returncode == 1
    assert "English" in proc.stderr
    assert "missing.txt: cannot read" in proc.stderr
    assert "unsupported file type .pdf" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_html_file_goes_through_extraction(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n\n")[1:])
    page = tmp_path / "ferry.html"
    page.write_text(
        "<html><head><title>Night ferry trial approved</title></head><body>"
        "<nav>Home | Sport | Weather</nav><article><h1>Night ferry trial approved</h1>"
        f"{paragraphs}</article><div class='comments'><p>First! Visit spam.example</p></div>"
        "</body></html>"
    )
    proc = briefbot("brief", "--json", str(page))
    assert proc.returncode == 0, proc.stderr
    brief = json.loads(proc.stdout)
    assert brief["title"] == "Night ferry trial approved"
    assert "Sport | Weather" not in brief["tldr"]


def test_text_is_read_whatever_its_encoding_and_lone_surrogates_do_not_cost_a_line(tmp_path: Path) -> None:
    # "\ud800" is legal JSON; the lone surrogate it stands for cannot be written as UTF-8.
    poisoned = json.dumps({"id": "s-1", "title": "Ferry \ud800 trial", "text": ARTICLE + " \ud800"})
    (tmp_path / "surrogate.jsonl").write_text(
        poisoned + "\n" + json.dumps({"id": "s-2", "text": ARTICLE}) + "\n", encoding="ascii"
    )
    (tmp_path / "utf16.txt").write_bytes(ARTICLE.encode("utf-16"))  # with a BOM (Windows "Unicode")
    (tmp_path / "utf16le.txt").write_bytes(ARTICLE.encode("utf-16-le"))  # without one
    (tmp_path / "bom.jsonl").write_bytes(
        b"\xef\xbb\xbf" + json.dumps({"id": "bom-1", "text": ARTICLE}).encode() + b"\n"
    )
    names = ["surrogate.jsonl", "utf16.txt", "utf16le.txt", "bom.jsonl"]
    proc = briefbot("brief", "--json", *(str(tmp_path / n) for n in names))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    briefs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [b["id"] for b in briefs] == ["s-1", "s-2", "utf16", "utf16le", "bom-1"]
    assert all(b["who"] for b in briefs), briefs
    assert briefs[0]["title"] == "Ferry \ufffd trial"
    assert briefs[2]["title"] == briefs[3]["title"] == "Harbour Authority Approves Night Ferry Trial"
    assert "\x00" not in proc.stdout


def test_latin1_bytes_on_stdin_are_read_as_latin1() -> None:
    article = ARTICLE.replace("Night Ferry Trial", "Night Ferry Trial at Café Quay")
    proc = briefbot_bytes("brief", "--json", "-", stdin=article.encode("latin-1"))
    assert proc.returncode == 0, proc.stderr.decode()
    brief = json.loads(proc.stdout)
    assert brief["title"] == "Harbour Authority Approves Night Ferry Trial at Café Quay"


def test_a_deeply_nested_jsonl_line_gets_an_error_and_the_other_lines_their_briefs(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(
        '{"id": "deep", "text": ' + "[" * 100_000 + "\n" + json.dumps({"id": "ok", "text": ARTICLE}) + "\n"
    )
    proc = briefbot("brief", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    (brief,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert brief["id"] == "ok"
    assert "deep.jsonl:1: not valid JSON (nested too deeply)" in proc.stderr


def test_an_endless_pipe_into_brief_is_capped_with_a_clear_message() -> None:
    offered = 200_000_000  # "endless": forty times what one article may be
    written = 0
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "brief", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    ) as proc:
        stdin, stdout, stderr = proc.stdin, proc.stdout, proc.stderr
        assert stdin is not None
        assert stdout is not None
        assert stderr is not None

        def feed() -> None:
            nonlocal written
            chunk = ARTICLE.encode() * 200
            with contextlib.suppress(OSError, ValueError):  # the reader went away: the point
                while written < offered:
                    stdin.write(chunk)
                    written += len(chunk)

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        out, err = stdout.read(), stderr.read()  # both end when the process does
        proc.wait(timeout=60)
        writer.join(timeout=60)
    assert proc.returncode == 1
    assert out == b""
    assert b"stdin: more than 5,000,000 bytes, the most Briefbot reads of one article" in err
    assert b"Traceback" not in err
    assert written < offered / 4  # it stopped reading at the cap


BAD_ROWS: list[object] = [
    {"id": "good", "text": ARTICLE},
    {"id": "no-text", "title": "Ferry"},
    {"id": "list-title", "title": ["Ferry", "trial"], "text": ARTICLE},
    {"id": "dict-url", "url": {"href": "https://news.example/x"}, "text": ARTICLE},
    {"id": ["not", "an", "id"], "text": ARTICLE},
    {"id": True, "text": ARTICLE},
    {"id": "number-text", "text": 42},
    {"id": "too-short", "text": "Too short."},
]


def test_each_line_that_cannot_be_briefed_gets_its_id_and_error_and_non_strings_are_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in BAD_ROWS) + "\n")
    proc = briefbot("brief", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    # One line per article whose id can be read, in order; a caller can tell which failed.
    assert [o["id"] for o in out] == ["good", "no-text", "list-title", "dict-url", "number-text", "too-short"]
    assert "who" in out[0]
    assert all(set(o) == {"id", "error"} for o in out[1:]), out
    assert 'missing "text"' in out[1]["error"]
    assert '"title" must be a string' in out[2]["error"]
    assert '"url" must be a string' in out[3]["error"]
    assert '"text" must be a string' in out[4]["error"]
    assert 'batch.jsonl:5: "id" must be a string' in proc.stderr
    assert 'batch.jsonl:6: "id" must be a string' in proc.stderr
    assert "['" not in proc.stdout  # nothing became a Python repr


def test_an_over_long_jsonl_line_is_refused_whole_and_the_next_line_read(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[fetch]\nmax_bytes = 100000\n")  # one article, and so one line, at most this
    # Past the limit, the line's tail is a record of its own: it must not be read as one.
    long = " " * 100_000 + json.dumps({"id": "forged", "text": ARTICLE})
    path = tmp_path / "x.jsonl"
    path.write_text(long + "\n" + json.dumps({"id": "after", "text": ARTICLE}) + "\n")
    proc = briefbot("brief", "--json", "--config", str(cfg), str(path))
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["id"] for line in proc.stdout.splitlines()] == ["after"]
    assert "x.jsonl:1: a line longer than 100,000 characters was ignored" in proc.stderr


def test_more_workers_than_cores_are_bounded_by_the_cores_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.app import make_local_backend
    from bot.settings import Settings
    from summarizer.local.workers import usable_cores

    backend = make_local_backend(Settings().replace("summarizer", workers=1000))
    try:
        assert backend.workers == usable_cores()
    finally:
        backend.close()
    assert f"[summarizer] workers = 1000 is more than the {usable_cores()} CPU cores" in caplog.text

    cfg = tmp_path / "c.toml"
    cfg.write_text("[summarizer]\nworkers = 1000\n")
    proc = briefbot("brief", "--json", "-", "--config", str(cfg), stdin=ARTICLE)
    assert proc.returncode == 0, proc.stderr
    assert "[summarizer] workers = 1000 is more than the" in proc.stderr
    assert json.loads(proc.stdout)["who"]


def test_random_bytes_and_file_urls_are_refused_plainly(tmp_path: Path) -> None:
    noise = random.Random(14).randbytes(20_000)
    (tmp_path / "noise.txt").write_bytes(noise)
    proc = briefbot_bytes(
        "brief",
        "--json",
        "-",
        str(tmp_path / "noise.txt"),
        "file:///etc/passwd",
        "ftp://x.example/a.txt",
        stdin=noise,
    )
    assert proc.returncode == 1
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert "briefbot: stdin: this is binary data, not text" in err
    assert f"briefbot: {tmp_path / 'noise.txt'}: this is binary data, not text" in err
    assert "briefbot: file:///etc/passwd: file:// URLs are not read; give the file's path instead" in err
    assert (
        "briefbot: ftp://x.example/a.txt: not a file, and only http:// and https:// URLs are fetched" in err
    )
    assert "Polish" not in err


def test_a_poisoned_title_costs_nothing_but_its_length(tmp_path: Path) -> None:
    """A JSONL line whose title is over a million characters is briefed with the title cut,
    and the lines around it as usual."""
    body = ARTICLE.split("\n", 2)[2]
    lines = [
        {"id": "before", "title": "Ferry trial", "text": body},
        {"id": "poisoned", "title": "Ferry " * 200_000, "text": body},
        {"id": "after", "title": "Ferry trial again", "text": body.replace("Tuesday", "Wednesday")},
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    proc = briefbot("brief", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    briefs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [b["id"] for b in briefs] == ["before", "poisoned", "after"]
    assert all(b["who"] for b in briefs)
    assert len(briefs[1]["title"]) <= 1000
