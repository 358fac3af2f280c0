"""harness: evaluation of Arabic news summarization and Arabic→English translation."""

__version__ = "0.1.0"
