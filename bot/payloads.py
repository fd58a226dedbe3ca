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
from typing import Any

from storage.base import Store

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
_ENTRY_ID = re.compile(r"[a-z0-9\-]{1,32}")
_FEEDBACK = re.compile(r"([a-z0-9\-]{1,32}):([ud])")
_TAG_CHARS = 12
_KEY_ID_CHARS = 2
_BOUND = re.compile(r"b:([A-Za-z0-9_\-]{2}):([A-Za-z0-9_\-]{12}):(/.+)")


@dataclass(frozen=True, slots=True)
class Payload:
    kind: str  # "o" occurrence, "faq", "q" guide entry, "fb" its feedback, "plan", "forget", "cmd", "b" bound
    args: tuple[str, ...]


class Binding(Enum):
    YOURS = "yours"
    STALE = "stale"  # signed with another key: made before a restart (or on another database), for whoever
    NOT_YOURS = "not-yours"


class _Signer:
    """An HMAC key and its short id. A random one until share_key_of() installs the one the store keeps."""

    def __init__(self, key: bytes | None = None, key_id: str | None = None) -> None:
        self.key = key if key is not None else secrets.token_bytes(32)
        self.key_id = key_id or base64.urlsafe_b64encode(secrets.token_bytes(3)).decode()[:_KEY_ID_CHARS]

    def tag(self, subject: str, command_text: str) -> str:
        message = f"{self.key_id}|{subject}|{command_text}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_TAG_CHARS]

    def to_doc(self) -> dict[str, Any]:
        return {"key": base64.b64encode(self.key).decode(), "key_id": self.key_id}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> _Signer:
        key = base64.b64decode(doc["key"], validate=True)
        key_id = str(doc["key_id"])
        if len(key) < 32 or len(key_id) != _KEY_ID_CHARS:
            raise ValueError("damaged button key")
        return cls(key, key_id)


_signer = _Signer()

SECRET_KIND, SECRET_KEY = "secret", "buttons"


def share_key_of(store: Store) -> None:
    """Sign and check buttons with the key kept in `store`, made by the first process that needed it.

    Every peer on one PostgreSQL database then accepts the others' buttons. The one-process stores keep shared
    state in memory, so a restart there makes a fresh key and older buttons are stale, as they always were.
    """
    global _signer
    _signer = _Signer.from_doc(store.shared_first(SECRET_KIND, SECRET_KEY, _Signer().to_doc()))


def occurrence(action: str, occurrence_id: str) -> str:
    return f"o:{action}:{occurrence_id}"


def faq(topic_id: str) -> str:
    return f"faq:{topic_id}"


def question(entry_id: str) -> str:
    """A treatment-guide entry, e.g. q:exf-often (ids are short slugs: well inside 64 bytes)."""
    return f"q:{entry_id}"


def feedback(entry_id: str, helpful: bool) -> str:
    """"Was this helpful?" for one entry: fb:exf-often:u (or :d). Unsigned and unbound on purpose: it names
    nobody, and a press only counts a vote."""
    return f"fb:{entry_id}:{'u' if helpful else 'd'}"


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
    """Whether the bound `payload` was made for `subject_` with the key in use (this process's or the shared one)."""
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
    if kind == "q" and _ENTRY_ID.fullmatch(rest):
        return Payload("q", (rest,))
    if kind == "fb" and (vote := _FEEDBACK.fullmatch(rest)):
        return Payload("fb", (vote[1], vote[2]))
    if kind in ("faq", "plan") and rest:
        return Payload(kind, tuple(rest.split(":")))
    if kind == "forget" and rest in ("yes", "no"):
        return Payload("forget", (rest,))
    if kind == "cmd" and rest.startswith("/"):
        return Payload("cmd", (rest.replace("~", " "),))
    if kind == "b" and (match := _BOUND.fullmatch(raw)):
        return Payload("b", (match[1], match[2], match[3].replace("~", " ")))
    return None
