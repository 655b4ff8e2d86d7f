"""Briefbot, the running service: settings, storage, ingestion, chat adapters, scheduler."""
