"""Pure translation between the core's types and Discord's shapes: no I/O, no client, no event loop.

- `CommandSpec`/`OptionSpec` describe a core command; `command_text` turns slash-command option values
  back into the core's typed text "/name arg1 arg2".
- `escape_text` makes plain text display literally on Discord (markdown and mention markup escaped).
- `split_content` cuts escaped text into messages of at most 2000 characters (adapters.text.split_text).
- `encode_custom_id`/`decode_custom_id` carry a button payload and the id of the only user allowed to
  press it inside Discord's 100-character custom_id, so presses work after a restart with nothing stored.
- `button_grid` lays Reply.buttons out within Discord's limits (5 rows of 5, labels of 80).
- `message_nonce` names one posted message (a delivery's chunk) for Discord's `enforce_nonce` de-duplication.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from discord.utils import escape_markdown

from adapters.text import split_text
from bot import commands as core_commands
from bot.models import MAX_PAYLOAD_BYTES, Button, Reply

MAX_MESSAGE_CHARS = 2000  # Discord's limit for message content
MAX_CUSTOM_ID_CHARS = 100  # Discord's limit for a component's custom_id
MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_LABEL_CHARS = 80
MAX_DESCRIPTION_CHARS = 100  # command and option descriptions
MAX_OPTIONS = 25
MAX_CHOICES = 25  # autocomplete suggestions
MAX_CHOICE_CHARS = 100  # a suggestion's name and value
MAX_NONCE_CHARS = 25  # a message nonce (message_nonce gives 24)

CUSTOM_ID_PREFIX = "cb"
# "cb:<owner user id or empty>:<payload>"; the payload may itself contain ':'.
CUSTOM_ID_TEMPLATE = r"cb:(?P<owner>[0-9]{0,20}):(?P<payload>.+)"
_CUSTOM_ID_RE = re.compile(CUSTOM_ID_TEMPLATE, re.DOTALL)

_NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")

# Markup escape_markdown leaves alone: mentions, channels, custom emoji and timestamps (<@1>, <#1>,
# <:e:1>, <a:e:1>, <t:1:R>, </cmd:1>), numbered lists ("1. "), and a '-' list marker after indentation
# (escape_markdown puts the backslash before the indentation, where it shows up literally).
_ANGLE_MARKUP_RE = re.compile(r"<(?=[@#:/]|a:|t:)")
_ORDERED_LIST_RE = re.compile(r"^(\s*)(\d+)\.(?=\s)", re.MULTILINE)
_INDENTED_DASH_RE = re.compile(r"^\\(\s+)-", re.MULTILINE)


class OptionSpec(NamedTuple):
    """A string option of a slash command: (name, description, required[, autocomplete])."""

    name: str
    description: str
    required: bool = True
    autocomplete: bool = False


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A core command offered as a slash command; every option is a string.

    Invoking it gives the core "/name value1 value2 ..." with the values in `options` order, so
    required options must come first (Discord shows them first anyway).
    """

    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()

    def __post_init__(self) -> None:
        _check_name(self.name, "command")
        _check_description(self.description, f"/{self.name}")
        if len(self.options) > MAX_OPTIONS:
            raise ValueError(f"/{self.name}: Discord allows at most {MAX_OPTIONS} options")
        seen: set[str] = set()
        optional_seen = False
        for option in self.options:
            _check_name(option.name, f"/{self.name} option")
            _check_description(option.description, f"/{self.name} {option.name}")
            if option.name in seen:
                raise ValueError(f"/{self.name}: option {option.name!r} given twice")
            seen.add(option.name)
            if option.required and optional_seen:
                raise ValueError(f"/{self.name}: required option {option.name!r} after an optional one")
            optional_seen = optional_seen or not option.required

    def option(self, name: str) -> OptionSpec:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)


def specs_from_core(
    commands: Iterable[core_commands.CommandSpec] = core_commands.COMMANDS,
) -> tuple[CommandSpec, ...]:
    """The core's command list (bot.commands) as slash commands; aliases stay typed-only."""
    return tuple(
        CommandSpec(
            name=command.name,
            description=_clip(command.summary, MAX_DESCRIPTION_CHARS),
            options=tuple(
                OptionSpec(
                    option.name,
                    _clip(option.description, MAX_DESCRIPTION_CHARS),
                    option.required,
                    option.autocomplete,
                )
                for option in command.options
            ),
        )
        for command in commands
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_name(name: str, what: str) -> None:
    if not _NAME_RE.match(name):
        raise ValueError(f"{what} name {name!r} must be 1-32 lowercase letters, digits, '-' or '_'")


def _check_description(description: str, what: str) -> None:
    if not 1 <= len(description) <= MAX_DESCRIPTION_CHARS:
        raise ValueError(f"{what}: description must be 1-{MAX_DESCRIPTION_CHARS} characters")


def command_text(spec: CommandSpec, values: Mapping[str, str | None]) -> str:
    """The core's typed form of a slash command: "/name arg1 arg2" (options left empty are skipped)."""
    parts = [f"/{spec.name}"]
    for option in spec.options:
        value = values.get(option.name)
        if value is None:
            continue
        value = " ".join(value.split())  # one line, no stray spaces
        if value:
            parts.append(value)
    return " ".join(parts)


def escape_text(text: str) -> str:
    """Plain text → Discord content that displays exactly that text (no formatting, no mention markup)."""
    escaped = escape_markdown(text, ignore_links=True)
    escaped = _INDENTED_DASH_RE.sub(r"\1\\-", escaped)
    escaped = _ORDERED_LIST_RE.sub(r"\1\2\\.", escaped)
    return _ANGLE_MARKUP_RE.sub(r"\\<", escaped)


def split_content(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Already escaped text as Discord messages (adapters.text.split_text): a cut at a space drops it, and
    never separates an escaping backslash from the character it escapes."""
    return split_text(text, limit, keep_space=False, escape="\\")


def message_nonce(chat_id: str, key: str, chunk: int) -> str:
    """A nonce for chunk `chunk` of the delivery `key` to `chat_id`: the same for every re-send of it.

    Discord matches a nonce against what the same author sent in the last few minutes (its docs name no
    channel), so the chat is part of it. Hashed: 96 bits in 24 hex characters (Discord allows 25).
    """
    return hashlib.blake2b(f"{chat_id}\n{key}\n{chunk}".encode(), digest_size=12).hexdigest()


def encode_custom_id(payload: str, owner_id: str | None = None) -> str:
    """'cb:<owner>:<payload>'; owner is the Discord user id allowed to press (empty: anybody)."""
    if not payload or len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"button payload must be 1-{MAX_PAYLOAD_BYTES} bytes")
    owner = owner_id or ""
    if not owner.isdigit() and owner:
        raise ValueError("owner must be a Discord user id (digits)")
    custom_id = f"{CUSTOM_ID_PREFIX}:{owner}:{payload}"
    if len(custom_id) > MAX_CUSTOM_ID_CHARS:  # cannot happen with ≤20-digit ids and 64-byte payloads
        raise ValueError("custom_id longer than Discord allows")
    return custom_id


def decode_custom_id(custom_id: str) -> tuple[str | None, str] | None:
    """(owner id or None, payload), or None when the custom_id is not one of ours."""
    match = _CUSTOM_ID_RE.fullmatch(custom_id)
    if match is None:
        return None
    return match["owner"] or None, match["payload"]


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    label: str
    custom_id: str
    row: int


def button_grid(reply: Reply, owner_id: str | None) -> list[ButtonSpec]:
    """Reply.buttons as Discord buttons: rows wrapped at 5, at most 5 rows, labels cut to 80 characters.

    Buttons beyond Discord's 25 and repeated payloads (Discord rejects duplicate custom_ids) are dropped.
    """
    rows: list[list[Button]] = []
    for row in reply.buttons:
        for start in range(0, len(row), MAX_BUTTONS_PER_ROW):
            chunk = list(row[start : start + MAX_BUTTONS_PER_ROW])
            if chunk:
                rows.append(chunk)
    specs: list[ButtonSpec] = []
    seen: set[str] = set()
    for row_index, row_buttons in enumerate(rows[:MAX_ROWS]):
        for button in row_buttons:
            custom_id = encode_custom_id(button.payload, owner_id)
            if custom_id in seen:
                continue
            seen.add(custom_id)
            label = button.label.strip() or "…"
            if len(label) > MAX_LABEL_CHARS:
                label = label[: MAX_LABEL_CHARS - 1] + "…"
            specs.append(ButtonSpec(label=label, custom_id=custom_id, row=row_index))
    return specs


def dropped_buttons(reply: Reply) -> int:
    """How many of the reply's buttons do not fit Discord's 5×5 grid (for a warning in the log)."""
    total = sum(len(row) for row in reply.buttons)
    fitting = 0
    rows = 0
    for row in reply.buttons:
        for start in range(0, len(row), MAX_BUTTONS_PER_ROW):
            if rows < MAX_ROWS:
                fitting += len(row[start : start + MAX_BUTTONS_PER_ROW])
            rows += 1
    return total - fitting


def choices(suggestions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Autocomplete suggestions (name, value) within Discord's limits: 25, each 1-100 characters."""
    result: list[tuple[str, str]] = []
    for name, value in suggestions:
        name = name.strip()[:MAX_CHOICE_CHARS]
        if not name or not value or len(value) > MAX_CHOICE_CHARS:
            continue
        result.append((name, value))
        if len(result) == MAX_CHOICES:
            break
    return result
