"""One reader per official list format. Each module exposes ``SOURCE`` (a :class:`SourceSpec`)."""
