"""The fenced blocks of README.md and docs/*.md, with the docs-test mode each is tested in.

The convention (written up in docs/extending.md, "Examples in the docs are tests"):

- every fence names its language: ``yaml``, ``console``, ``sh``/``bash``, ``python``, ``toml``
  or ``text``;
- ``yaml`` is a config, or part of one; ``console`` lines starting with ``$ `` and every
  ``sh``/``bash`` line are commands; ``python`` is executed; ``toml`` is parsed; ``text`` is a
  display (output, a file tree, a diagram) and holds no ``$ harness`` command;
- an HTML comment on the line just before the fence, ``<!-- docs-test: MODE [REASON] -->``,
  changes how the block is tested: ``gate`` (a gate file), ``spec`` (a pytest regression spec),
  ``file PATH`` (a file of the example plug-in package), ``parse-only REASON`` (commands are
  parsed by the CLI but not run) or ``skip REASON`` (not run at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC_FILES = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))

LANGUAGES = {"yaml", "console", "sh", "bash", "python", "toml", "text"}
#: modes that need a reason after them
REASONED = {"skip", "parse-only"}
MODES = {"run", "gate", "spec", "file", *REASONED}
#: the default mode of each language
DEFAULT_MODE = {"text": "display"}

_FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
_MARKER = re.compile(r"^<!--\s*docs-test:\s*(\S+)\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    mode: str  # run, gate, spec, file, parse-only, skip, display
    argument: str  # the reason (skip, parse-only) or the path (file)
    text: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"

    def commands(self) -> list[str]:
        """The commands of a console/sh block (a ``\\`` at a line's end continues it)."""
        if self.language == "console":
            lines = [ln[2:] for ln in self.text.splitlines() if ln.startswith("$ ")]
        else:
            lines = [ln.split(" #")[0].strip() for ln in self.text.splitlines()]
            lines = [ln for ln in lines if ln and not ln.startswith("#")]
        return lines


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of one Markdown file; a malformed fence or marker raises ValueError."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            if _MARKER.match(lines[index]) and not (
                index + 1 < len(lines) and _FENCE.match(lines[index + 1])
            ):
                raise ValueError(f"{path}:{index + 1}: a docs-test marker not followed by a fence")
            index += 1
            continue
        indent, language = opening.groups()
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            raise ValueError(f"{path}:{index + 1}: unclosed fence")
        where = f"{path}:{index + 1}"
        if language not in LANGUAGES:
            raise ValueError(f"{where}: fence language '{language}' not one of {sorted(LANGUAGES)}")
        mode, argument = DEFAULT_MODE.get(language, "run"), ""
        marker = _MARKER.match(lines[index - 1]) if index else None
        if marker is not None:
            mode, argument = marker.groups()
            if mode not in MODES:
                raise ValueError(f"{where}: docs-test mode '{mode}' not one of {sorted(MODES)}")
            if mode in REASONED and not argument:
                raise ValueError(f"{where}: docs-test '{mode}' needs a reason")
            if mode == "file" and not argument:
                raise ValueError(f"{where}: docs-test 'file' needs the file's path")
        body = "\n".join(ln[len(indent) :] for ln in lines[index + 1 : end]) + "\n"
        found.append(Block(path, index + 1, language, mode, argument, body))
        index = end + 1
    return found


def all_blocks() -> list[Block]:
    return [block for path in DOC_FILES for block in blocks(path)]
