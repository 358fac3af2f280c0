"""Secrets kept out of everything a run writes: report.json, the config.yaml copy and run.log.

Three kinds of value are secret: every value of ``executor.runtime_env.env_vars`` (the
documented way to hand Ray workers an API key), the value of any environment variable a system
names with ``api_key_env``, and the password of a ``base_url`` written ``user:pass@host``.
The env_vars values are replaced wherever that mapping is written; any occurrence of any secret
in any written string (an error message quoting a header, a describe() that copied an option)
becomes :data:`REDACTED`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from harness.report_model import Report

REDACTED = "<redacted>"
#: values shorter than this are not searched for inside other strings ("1" would match
#: every number); they are still replaced where they stand as env_vars values
MIN_SECRET_LENGTH = 4


def _walk(data: Any) -> Iterable[tuple[str, Any]]:
    """Every (key, value) pair of every mapping nested in ``data``."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield str(key), value
            yield from _walk(value)
    elif isinstance(data, list | tuple):
        for item in data:
            yield from _walk(item)


def secret_values(config_data: Mapping[str, Any]) -> frozenset[str]:
    """The secret strings of a config: env_vars values, the api_key_env variables' values and
    base_url passwords."""
    found: set[str] = set()
    for key, value in _walk(config_data):
        if key == "env_vars" and isinstance(value, Mapping):
            found.update(str(v) for v in value.values() if v is not None)
        elif key == "api_key_env" and isinstance(value, str):
            secret = os.environ.get(value)
            if secret:
                found.add(secret)
        elif key == "base_url" and isinstance(value, str):
            try:
                password = urlsplit(value).password
            except ValueError:  # not a URL the parser reads: nothing to find in it
                password = None
            if password:
                found.add(password)
    return frozenset(s for s in found if s)


def redact(data: Any, secrets: frozenset[str]) -> Any:
    """A copy of ``data`` with env_vars values replaced and every secret inside a string
    masked; everything else unchanged (and not copied when nothing changes)."""
    if isinstance(data, Mapping):
        return {
            key: (
                dict.fromkeys(value, REDACTED)
                if key == "env_vars" and isinstance(value, Mapping)
                else redact(value, secrets)
            )
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redact(item, secrets) for item in data]
    if isinstance(data, tuple):
        return tuple(redact(item, secrets) for item in data)
    if isinstance(data, str):
        return mask(data, secrets)
    return data


def redact_report(report: Report, secrets: frozenset[str]) -> Report:
    """A copy of ``report`` with :func:`redact` applied to every value it would write."""
    data = {
        key: redact(
            [segment.to_json() for segment in value] if key == "segments" else value, secrets
        )
        for key, value in report.top_level()
    }
    return Report.model_validate(data, strict=False)


def mask(text: str, secrets: frozenset[str]) -> str:
    """``text`` with every long-enough secret replaced by :data:`REDACTED`."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Masks the secrets in every record a log handler writes."""

    def __init__(self, secrets: frozenset[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = mask(record.getMessage(), self.secrets)
            record.args = None
        return True
