"""Judge rubrics: versioned YAML files with a Jinja prompt, built in or a user's own.

A rubric file is untrusted input: it is read with ``yaml.safe_load`` and its prompt rendered in
Jinja's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` (no attribute access to Python
internals, no mutation, undefined variables are errors), so a rubric can never run code.

A rubric has a ``kind``, which fixes the reply it asks for (its JSON schema) and how a reply is
scored (:mod:`harness.judges.verdict`); the YAML only words the question:

- ``scales``: one integer 1–5 per named ``dimensions`` entry (``summary``);
- ``mqm``: a list of errors with span, category and severity (``mqm``);
- ``claims``: the output's claims, each supported or not by the source (``claims``);
- ``preference`` (``mode: pairwise``): which of two outputs is better, ``A``, ``B`` or ``tie``
  (``pairwise-translation``, ``pairwise-summary``); its prompt sees ``output_a`` and
  ``output_b`` instead of ``output``.

Its prompt sees ``source``, ``output``, ``reference`` (empty when not given), the languages
``source_lang``, ``output_lang``, ``reference_lang`` (English names), and ``dimensions``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import HarnessError
from harness.records import Task

#: the MQM error categories and severities the ``mqm`` kind asks for (Freitag et al. 2021)
MQM_CATEGORIES = ("accuracy", "fluency", "terminology", "style", "locale")
MQM_SEVERITIES = ("critical", "major", "minor")
SCALE = (1, 2, 3, 4, 5)
#: errors read per segment: the MQM guidelines have annotators mark at most five (Freitag et
#: al. 2021); five major errors already reach the −25 cap
MQM_MAX_ERRORS = 5

BUILT_IN = ("mqm", "summary", "claims", "pairwise-translation", "pairwise-summary")


class RubricKind(StrEnum):
    SCALES = "scales"
    MQM = "mqm"
    CLAIMS = "claims"
    #: pairwise mode: which of two outputs (A, B) is better, or a tie
    PREFERENCE = "preference"


class _RubricFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: int = Field(ge=1)
    kind: RubricKind
    task: Task
    description: str = ""
    #: the system message (the judge's instructions); may use the template's variables
    instructions: str = ""
    #: the user message, a Jinja template
    prompt: str = Field(min_length=1)
    #: ``scales`` only: dimension name → what it measures (shown to the judge)
    dimensions: dict[str, str] = Field(default_factory=dict)


_ENVIRONMENT = ImmutableSandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


@dataclass(frozen=True)
class Rubric:
    """A loaded rubric; ``sha256`` is the hash of its file's bytes (in the cache key and the
    signature, so an edited rubric never reuses a cached judgement)."""

    name: str
    version: int
    kind: RubricKind
    task: Task
    instructions: str
    prompt: str
    dimensions: dict[str, str]
    sha256: str
    origin: str  # "built-in" or the file's path
    _templates: tuple[Any, Any] = field(repr=False, compare=False, default=(None, None))

    @property
    def scores(self) -> tuple[str, ...]:
        """The names of the scores one judgement gives (each reported as ``judge.NAME``)."""
        if self.kind is RubricKind.SCALES:
            return tuple(self.dimensions)
        return (self.name,)

    @property
    def label(self) -> str:
        return f"{self.name}@v{self.version}"

    def schema(self) -> dict[str, Any]:
        """The JSON schema of a reply (sent to engines that constrain their output to one)."""
        if self.kind is RubricKind.SCALES:
            return {
                "type": "object",
                "properties": {
                    name: {"type": "integer", "enum": list(SCALE)} for name in self.dimensions
                },
                "required": list(self.dimensions),
                "additionalProperties": False,
            }
        if self.kind is RubricKind.MQM:
            error = {
                "type": "object",
                "properties": {
                    "span": {"type": "string"},
                    "category": {"type": "string", "enum": list(MQM_CATEGORIES)},
                    "severity": {"type": "string", "enum": list(MQM_SEVERITIES)},
                },
                "required": ["span", "category", "severity"],
                "additionalProperties": False,
            }
            return {
                "type": "object",
                "properties": {
                    "errors": {"type": "array", "items": error, "maxItems": MQM_MAX_ERRORS}
                },
                "required": ["errors"],
                "additionalProperties": False,
            }
        if self.kind is RubricKind.PREFERENCE:
            return {
                "type": "object",
                "properties": {"better": {"type": "string", "enum": ["A", "B", "tie"]}},
                "required": ["better"],
                "additionalProperties": False,
            }
        claim = {
            "type": "object",
            "properties": {"claim": {"type": "string"}, "supported": {"type": "boolean"}},
            "required": ["claim", "supported"],
            "additionalProperties": False,
        }
        return {
            "type": "object",
            "properties": {"claims": {"type": "array", "items": claim}},
            "required": ["claims"],
            "additionalProperties": False,
        }

    def messages(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        """The chat messages for one judgement (system instructions, then the prompt)."""
        instructions, prompt = self._templates
        values = {**variables, "dimensions": dict(self.dimensions)}
        try:
            messages = []
            system = instructions.render(values).strip() if instructions is not None else ""
            if system:
                messages.append({"role": "system", "content": system})
            messages.append({"role": "user", "content": prompt.render(values).strip()})
        except TemplateError as exc:
            raise HarnessError(f"rubric {self.origin}: cannot render its prompt: {exc}") from None
        return messages


def _compile(text: str, origin: str, key: str) -> Any:
    try:
        return _ENVIRONMENT.from_string(text)
    except TemplateError as exc:
        raise HarnessError(f"{origin}: key '{key}': not a valid Jinja template: {exc}") from None


def parse_rubric(raw: bytes, origin: str) -> Rubric:
    """A rubric from a file's bytes; every problem is one line naming ``origin`` and the key."""
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise HarnessError(f"{origin}: not a YAML rubric: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise HarnessError(f"{origin}: a rubric is a YAML mapping (name, version, kind, prompt)")
    try:
        spec = _RubricFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise HarnessError(f"{origin}: key '{where}': {first['msg']}") from None
    if spec.kind is RubricKind.SCALES and not spec.dimensions:
        raise HarnessError(f"{origin}: key 'dimensions': a 'scales' rubric names its dimensions")
    if spec.kind is not RubricKind.SCALES and spec.dimensions:
        raise HarnessError(f"{origin}: key 'dimensions': only for kind 'scales'")
    for name in spec.dimensions:
        if not name.isidentifier() or not name.islower():
            raise HarnessError(
                f"{origin}: key 'dimensions.{name}': a dimension is a lower-case identifier"
            )
    if spec.task is Task.SUMMARIZATION_EN:
        raise HarnessError(f"{origin}: key 'task': translation or summarization")
    if spec.kind is RubricKind.MQM and spec.task is not Task.TRANSLATION:
        raise HarnessError(f"{origin}: key 'task': an 'mqm' rubric judges translations")
    templates = (
        _compile(spec.instructions, origin, "instructions") if spec.instructions else None,
        _compile(spec.prompt, origin, "prompt"),
    )
    return Rubric(
        name=spec.name,
        version=spec.version,
        kind=spec.kind,
        task=spec.task,
        instructions=spec.instructions,
        prompt=spec.prompt,
        dimensions=dict(spec.dimensions),
        sha256=hashlib.sha256(raw).hexdigest(),
        origin=origin,
        _templates=templates,
    )


def load_rubric(name_or_path: str, base_dir: Path | None = None) -> Rubric:
    """A built-in rubric by name (``mqm``, ``summary``, ``claims``), or a user's YAML file (a
    path, relative to ``base_dir``)."""
    if name_or_path in BUILT_IN:
        raw = resources.files(__package__).joinpath("rubrics", f"{name_or_path}.yaml").read_bytes()
        return parse_rubric(raw, f"built-in rubric '{name_or_path}'")
    path = Path(name_or_path).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if path.suffix not in (".yaml", ".yml"):
        raise HarnessError(
            f"rubric '{name_or_path}': not a built-in rubric ({', '.join(BUILT_IN)}) "
            "nor a .yaml file"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HarnessError(f"{path}: cannot read the rubric: {exc.strerror}") from None
    return parse_rubric(raw, str(path))


LANGUAGES = {"ar": "Arabic", "en": "English"}


def languages(task: Task) -> dict[str, str]:
    """The languages of source, output and reference for a task's examples (English names)."""
    output = "Arabic" if task is Task.SUMMARIZATION else "English"
    return {"source_lang": "Arabic", "output_lang": output, "reference_lang": output}
