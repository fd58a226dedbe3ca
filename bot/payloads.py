"""Button payloads: short ASCII strings the core hands out and gets back when a button is pressed.

Payloads come back from the outside world, so they are parsed strictly and treated as untrusted:
the core re-checks that whatever they name belongs to the person who pressed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import Enum

# Occurrence actions.
DONE = "d"
SKIP = "k"
SNOOZE_15M = "s15"
SNOOZE_1H = "s60"
SNOOZE_EVENING = "sev"
SNOOZE_MORNING = "smo"
OCCURRENCE_ACTIONS = frozenset({DONE, SKIP, SNOOZE_15M, SNOOZE_1H, SNOOZE_EVENING, SNOOZE_MORNING})

_SAFE = re.compile(r"[A-Za-z0-9_@.,:+~/\-]{1,64}")

# Bound buttons: b:<key id>:<tag>:<command>. 72 bits of HMAC-SHA256 cannot be guessed at the rate buttons can
# be pressed; the key id tells a button from before a restart (another key) from one made for somebody else.
_TAG_CHARS = 12
_KEY_ID_CHARS = 2
_BOUND = re.compile(r"b:([A-Za-z0-9_\-]{2}):([A-Za-z0-9_\-]{12}):(/.+)")


@dataclass(frozen=True, slots=True)
class Payload:
    kind: str  # "o" occurrence, "faq", "plan", "forget" (before bound buttons), "cmd", "b" bound command
    args: tuple[str, ...]


class Binding(Enum):
    YOURS = "yours"
    STALE = "stale"  # signed with another process's key: made before a restart, for whoever
    NOT_YOURS = "not-yours"


class _Signer:
    """A per-process secret: buttons made before a restart are refused (and the person asked again)."""

    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)
        self.key_id = base64.urlsafe_b64encode(secrets.token_bytes(3)).decode()[:_KEY_ID_CHARS]

    def tag(self, subject: str, command_text: str) -> str:
        message = f"{self.key_id}|{subject}|{command_text}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_TAG_CHARS]


_signer = _Signer()


def occurrence(action: str, occurrence_id: str) -> str:
    return f"o:{action}:{occurrence_id}"


def faq(topic_id: str) -> str:
    return f"faq:{topic_id}"


def plan(template_id: str, *args: str) -> str:
    return ":".join(("plan", template_id, *args))


def command(text: str) -> str:
    """A button that runs a typed command for whoever presses it, e.g. cmd:/faq~laser (spaces become '~', which
    no command uses; '+' stays itself, as in /timezone UTC+02:00). Only for buttons anybody may press: one that
    confirms something or names one person's reminder must be bound().
    """
    return "cmd:" + text.replace(" ", "~")


def subject(account_id: str | None, identity_key: str) -> str:
    """Whom a bound button is for: the account, or the identity of somebody who has none yet (linking)."""
    return account_id if account_id is not None else "@" + identity_key


def bound(subject_: str, text: str) -> str:
    """A button that runs `text` only when pressed by `subject_` (see subject()); forwarded to or pressed by
    anybody else it changes nothing. Commands are short and ASCII: the whole payload must fit in 64 bytes."""
    text = text.replace(" ", "~")
    return f"b:{_signer.key_id}:{_signer.tag(subject_, text)}:{text}"


def check(payload: Payload, subject_: str) -> Binding:
    """Whether the bound `payload` was made for `subject_` by this process."""
    key_id, tag, text = payload.args
    if not hmac.compare_digest(key_id, _signer.key_id):
        return Binding.STALE
    expected = _signer.tag(subject_, text.replace(" ", "~"))
    return Binding.YOURS if hmac.compare_digest(tag, expected) else Binding.NOT_YOURS


def parse(raw: str) -> Payload | None:
    """None for anything malformed (forged, truncated, from an old version)."""
    if not _SAFE.fullmatch(raw):
        return None
    kind, _, rest = raw.partition(":")
    if kind == "o":
        action, _, occurrence_id = rest.partition(":")
        if action in OCCURRENCE_ACTIONS and "@" in occurrence_id:
            return Payload("o", (action, occurrence_id))
        return None
    if kind in ("faq", "plan") and rest:
        return Payload(kind, tuple(rest.split(":")))
    if kind == "forget" and rest in ("yes", "no"):
        return Payload("forget", (rest,))
    if kind == "cmd" and rest.startswith("/"):
        return Payload("cmd", (rest.replace("~", " "),))
    if kind == "b" and (match := _BOUND.fullmatch(raw)):
        return Payload("b", (match[1], match[2], match[3].replace("~", " ")))
    return None
