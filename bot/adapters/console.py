"""The terminal chat: a person (or a script) types the same commands as in Slack or Discord.

    /brief <command …>       any command (/brief help lists them)
    @briefbot <question>     a question about what the bot has read
    quit                     stop the bot

Input is read line by line from standard input, also when it is a pipe or a file, so scripts
can drive the bot (``printf '/brief subscribe sample\\n' | briefbot run``). A line longer than
``LINE_MAX`` is refused whole: cut into pieces, its tail would run as a command of its own.
At the end of the input the bot keeps running (digests keep arriving) until it is stopped by a
signal.
Digests and each-mode briefs are printed as they are posted: the console is a ``Poster``.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import itertools
import logging
import threading
from collections.abc import Callable
from typing import TextIO

from bot import commands
from bot.commands import ChatService, Command
from bot.render.escape import terminal
from bot.render.text import render
from bot.replies import BriefReply, ChannelRef, Platform, Reply, Request, Requester
from bot.textio import LineTooLong, bounded_lines

log = logging.getLogger(__name__)

CONSOLE_CHANNEL = ChannelRef("console", "terminal")
PROMPT = "briefbot> "
MENTION = "@briefbot"
QUIT = {"quit", "exit", "/quit", "/exit"}
LINE_MAX = 250_000  # a pasted article fits; a runaway pipe does not fill memory


def console_user() -> Requester:
    """Whoever runs the bot in a terminal owns it: they are its admin."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = "console"
    return Requester(user_id=name, name=name, is_admin=True)


class ConsoleOutput:
    """Writes replies and posts to the terminal, keeping the prompt tidy when interactive."""

    def __init__(self, out: TextIO, interactive: bool) -> None:
        self._out = out
        self._interactive = interactive

    def write(self, text: str, *, unprompted: bool = False) -> None:
        lead = "\n" if unprompted and self._interactive else ""
        # Renderers sanitise each field; this is the terminal's own last line of defence.
        self._out.write(f"{lead}{terminal(text)}\n\n")
        if unprompted and self._interactive:
            self._out.write(PROMPT)
        self._out.flush()

    def prompt(self) -> None:
        if self._interactive:
            self._out.write(PROMPT)
            self._out.flush()


class ConsolePoster:
    """The scheduler's way into the terminal."""

    def __init__(self, output: ConsoleOutput) -> None:
        self._output = output
        self._ids = itertools.count(1)

    @property
    def platform(self) -> Platform:
        return "console"

    async def post(self, channel: ChannelRef, reply: Reply, thread_id: str | None = None) -> list[str]:
        text = render(reply)
        if isinstance(reply, BriefReply):
            text = "New article:\n" + text
        self._output.write(text, unprompted=True)
        return [f"console-post-{next(self._ids)}"]


class ConsoleChat:
    def __init__(
        self,
        service: ChatService,
        *,
        stdin: TextIO,
        stdout: TextIO,
        interactive: bool,
        on_quit: Callable[[], None],
        user: Requester | None = None,
        channel: ChannelRef = CONSOLE_CHANNEL,
    ) -> None:
        self._service = service
        self._stdin = stdin
        self._output = ConsoleOutput(stdout, interactive)
        self._interactive = interactive
        self._on_quit = on_quit
        self._user = user or console_user()
        self._channel = channel
        self.poster = ConsolePoster(self._output)
        self._replies = itertools.count(1)

    def say(self, text: str) -> None:
        self._output.write(text)

    async def run(self) -> None:
        """Answer each input line in turn until the input ends (or ``quit``)."""
        lines: asyncio.Queue[str | LineTooLong | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:
            # A daemon thread: a read blocked on a terminal must never keep the process alive.
            try:
                for line in bounded_lines(self._stdin, LINE_MAX):
                    loop.call_soon_threadsafe(lines.put_nowait, line)
            except (OSError, ValueError, RuntimeError, UnicodeDecodeError) as exc:
                log.warning("console input ended error=%s", exc)
            with contextlib.suppress(RuntimeError):  # the loop may be gone at shutdown
                loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read, name="console-input", daemon=True).start()
        self._output.prompt()
        while True:
            line = await lines.get()
            if line is None:
                log.info("console input ended; the bot keeps running until stopped")
                if self._interactive:
                    self._output.write("(input closed: the bot keeps running; Ctrl-C stops it)")
                return
            if isinstance(line, LineTooLong):
                log.warning("console line refused length_over=%d", line.limit)
                self.say(f"{str(line).capitalize()}; none of it was run.")
            elif not await self.handle_line(line):
                return
            self._output.prompt()

    async def handle_line(self, line: str) -> bool:
        """Act on one input line; False when it asks the bot to stop."""
        text = line.strip()
        if not text:
            return True
        lowered = text.lower()
        if lowered in QUIT:
            self._on_quit()
            return False
        req = Request(channel=self._channel, user=self._user)
        if lowered in ("help", "/help"):
            command: Command = commands.Help()
        elif lowered == "/brief" or lowered.startswith("/brief "):
            command = commands.parse(text)
            if self._interactive and commands.is_slow(command):
                self._output.write("Working on it…")
        elif lowered.startswith(MENTION):
            command = commands.mention(text[len(MENTION) :].lstrip(" ,:"))
        else:
            self.say("Commands start with /brief (try /brief help); ask questions with @briefbot <question>.")
            return True
        reply = await self._service.handle(req, command)
        self._output.write(render(reply))
        await self._service.remember_posts(self._channel, [f"console-reply-{next(self._replies)}"], reply)
        return True
