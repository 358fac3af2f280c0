"""LLM judges: a metric that calls a configured system (see docs/judges.md)."""
