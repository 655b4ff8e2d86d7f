"""Fakes of what lies outside the machine (Slack, services), as real servers on 127.0.0.1."""
