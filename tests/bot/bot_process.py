"""``briefbot run`` as a real subprocess, driven through its standard input the way a script would,
its output collected as it comes: for the end-to-end tests of the terminal and of the platforms."""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import signal
import sys
import time
from pathlib import Path


class BotProcess:
    """One ``briefbot run``; ``out`` and ``err`` grow as the process writes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.out = ""
        self.err = ""
        # Both pipes are drained all the time: a full stderr pipe would block the bot.
        self._readers = [
            asyncio.create_task(self._read(proc.stdout, "out")),
            asyncio.create_task(self._read(proc.stderr, "err")),
        ]

    @classmethod
    async def start(cls, config: Path, env: dict[str, str] | None = None) -> BotProcess:
        """Start the bot on ``config``, in its folder. The platforms' tokens of whoever runs the
        tests are left out, so only ``env`` decides whether Slack or Discord start."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=config.parent,
            env={**inherited, **(env or {})},
        )
        return cls(proc)

    async def _read(self, stream: asyncio.StreamReader | None, name: str) -> None:
        assert stream is not None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")  # "—" may span two reads
        while chunk := await stream.read(4096):
            setattr(self, name, getattr(self, name) + decoder.decode(chunk))
        setattr(self, name, getattr(self, name) + decoder.decode(b"", final=True))

    async def expect(
        self, pattern: str, timeout: float = 90.0, after: int = 0, *, stream: str = "out"
    ) -> re.Match[str]:
        """The first match of ``pattern`` in the output (``stream="err"``: the log) from offset
        ``after`` on, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if m := re.compile(pattern).search(getattr(self, stream), after):
                return m
            if self.proc.returncode is not None:
                break
            await asyncio.sleep(0.1)
        raise AssertionError(f"{pattern!r} did not appear.\nstdout:\n{self.out}\nstderr:\n{self.err[-4000:]}")

    async def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def wait(self, timeout: float = 60) -> int:
        """Wait for the bot to exit on its own; its exit code, with all its output read."""
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.gather(*self._readers)
        return code

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> tuple[int, float]:
        """Signal the bot; its exit code and how long it took to stop."""
        began = time.monotonic()
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await self.wait(30)
        return code, time.monotonic() - began
