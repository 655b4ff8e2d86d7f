"""Pure functions from replies (briefs, digests, answers) to each platform's message format."""
