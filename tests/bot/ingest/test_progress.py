from __future__ import annotations

import io

from bot.ingest.progress import ProgressBar


def test_bar_is_drawn_in_place_on_a_terminal_and_finishes_the_line() -> None:
    out = io.StringIO()
    bar = ProgressBar(out, "briefing", enabled=True)
    bar(0, 4)
    bar(4, 4)  # the end is always drawn, however soon after the last redraw
    bar.close()
    text = out.getvalue()
    assert text.startswith("\rbriefing [" + "." * 30 + "] 0/4")
    assert text.endswith("\rbriefing [" + "#" * 30 + "] 4/4\n")


def test_nothing_is_drawn_on_a_pipe_or_file() -> None:
    out = io.StringIO()  # not a terminal
    bar = ProgressBar(out, "briefing")
    bar(3, 4)
    bar.close()
    assert out.getvalue() == ""
