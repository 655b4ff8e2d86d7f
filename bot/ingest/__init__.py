"""Getting articles in: local files, fetched pages and feeds."""
