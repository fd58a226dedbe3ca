"""A Dockerfile's instructions as data: what the deployment tests read instead of running a container engine."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stage:
    base: str
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    volumes: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)  # CMD's arguments
    healthcheck_options: dict[str, str] = field(default_factory=dict)
    stopsignal: str | None = None
    expose: list[str] = field(default_factory=list)


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        name, _, rest = whole.partition(" ")
        out.append((name.upper(), rest.strip()))
    return out


def _exec_form(text: str) -> list[str]:
    """JSON exec form (["a", "b"]) or, for the shell form, the words /bin/sh -c would run."""
    if text.startswith("["):
        value = json.loads(text)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value)
        return value
    return ["/bin/sh", "-c", text]


def final_stage(path: Path) -> Stage:
    """The stage the image runs: the last FROM and what follows it."""
    stage: Stage | None = None
    for name, rest in instructions(path):
        if name == "FROM":
            stage = Stage(base=rest.split()[0])
            continue
        assert stage is not None, "an instruction before FROM"
        if name == "ENV":
            for word in shlex.split(rest):
                key, _, value = word.partition("=")
                stage.env[key] = value
        elif name == "USER":
            stage.user = rest
        elif name == "VOLUME":
            stage.volumes += _exec_form(rest) if rest.startswith("[") else rest.split()
        elif name == "ENTRYPOINT":
            stage.entrypoint = _exec_form(rest)
        elif name == "CMD":
            stage.cmd = _exec_form(rest)
        elif name == "EXPOSE":
            stage.expose += rest.split()
        elif name == "STOPSIGNAL":
            stage.stopsignal = rest
        elif name == "HEALTHCHECK":
            words = (" " + rest).split(" CMD ", 1)
            assert len(words) == 2, "HEALTHCHECK without CMD"
            for option in words[0].split():
                key, _, value = option.removeprefix("--").partition("=")
                stage.healthcheck_options[key] = value
            stage.healthcheck = _exec_form(words[1].strip())
    assert stage is not None, "no FROM"
    return stage
