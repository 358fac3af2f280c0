"""Learned metrics: neural models that score a translation (COMET's families, MetricX-24).

They run on this project's own torch and transformers from a checkpoint folder the user
supplies (no weights ship with the harness), in the scoring process itself (never in the
forked pool), with their segment scores cached on disk.
"""
