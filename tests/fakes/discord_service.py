"""The Discord adapter's name for the shared ChatService stand-in, kept for
``bench/discord_defer.py``; tests import from ``tests.fakes.chat_service``."""

from tests.fakes.chat_service import FakeChatService as RecordingService

__all__ = ["RecordingService"]
