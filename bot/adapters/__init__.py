"""Chat adapters: translate platform events into service calls and replies into messages."""
