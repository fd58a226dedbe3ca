"""Questions with buttons that do something when answered: "Did you mean Fri 4 Dec at 18:00?", "Undo".

An offer is a few options, each a label and what to do when it is picked, written as data: the name of a
registered action and its JSON arguments. Offers are kept in the store's shared state with their subject and
expiry, so whichever process a button or a typed /undo reaches can answer it: on PostgreSQL every peer sees
them, and of two presses of one offer exactly one takes it (Store.shared_take). The buttons carry only a short
random token and the option's index, bound to the person (bot.payloads.bound), so a button of somebody else's,
or one from before a restart, changes nothing. The one-process stores keep offers in memory: after a restart the
person is told the question expired and what to type instead. Picking one option answers the whole offer: its
other buttons expire.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.models import Reply
from storage.base import SharedRow, Store

OFFER_TTL = 6 * 3600.0
MAX_OFFERS = 20_000  # the offers one process keeps track of; beyond it the oldest are forgotten first
TOKEN_CHARS = 8
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"

# Kinds of shared state (Store.shared_*).
OFFERS = "offer"  # key: the offer's token
UNDOS = "undo"  # key: the subject; the token of their latest offer with an Undo

# An action is given the Context of whoever picked (typed Any here: bot.context imports this module's users).
Action = Callable[[Any, dict[str, Any]], list[Reply]]
A = TypeVar("A", bound=Action)

_ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[A], A]:
    """Register what an option named `name` does; every process runs the same code, so any can answer."""

    def register(fn: A) -> A:
        if _ACTIONS.setdefault(name, fn) is not fn:
            raise ValueError(f"two actions named {name!r}")
        return fn

    return register


@dataclass(frozen=True, slots=True)
class Option:
    """A button's label and what picking it does: a registered action with JSON-ready arguments."""

    label: str
    action: str
    args: dict[str, Any] = field(default_factory=dict)


def run(asker: Any, name: str, args: dict[str, Any]) -> list[Reply] | None:
    """Do the action `name` for `asker`; None when this version of the bot has no such action (another peer's)."""
    fn = _ACTIONS.get(name)
    return fn(asker, args) if fn is not None else None


def perform(asker: Any, name: str, args: dict[str, Any]) -> list[Reply]:
    """Do the action `name`, which this code registers (KeyError otherwise: a bug, not an old button)."""
    return _ACTIONS[name](asker, args)


@action("say")
def _say(asker: Any, args: dict[str, Any]) -> list[Reply]:
    """An option that only answers, e.g. "No": "Nothing marked."."""
    return [Reply(text=str(args["text"]))]


def say(label: str, text: str) -> Option:
    return Option(label, "say", {"text": text})


def _owner(subject: str) -> str | None:
    """The account an offer belongs to, so deleting it removes its offers (see bot.payloads.subject)."""
    return None if subject.startswith("@") else subject


class Choices:
    """The open offers, on the store's shared state; safe to use from several threads."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock
        # The tokens this process offered, oldest first, with their expiry: what bounds the offers one process
        # adds, and lets it delete them when they expire (all live equally long).
        self._mine: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def offer(self, subject: str, options: Sequence[Option], undo_index: int | None = None) -> str:
        """Keep an offer; `undo_index` marks its Undo option, which a typed /undo also reaches."""
        unknown = [o.action for o in options if o.action not in _ACTIONS]
        if unknown:
            raise ValueError(f"unregistered actions {unknown}")
        token = "".join(secrets.choice(_ALPHABET) for _ in range(TOKEN_CHARS))
        now = self._clock()
        expires = now + OFFER_TTL
        doc = {
            "subject": subject,
            "options": [{"label": o.label, "action": o.action, "args": o.args} for o in options],
            "undo": undo_index,
        }
        # Through JSON and back: what every store keeps is data, so a closure or a datetime fails here, in any test.
        doc = json.loads(json.dumps(doc))
        owner = _owner(subject)
        rows = [SharedRow(OFFERS, token, doc, owner, expires)]
        if undo_index is not None:  # and /undo's pointer to it, written with it
            rows.append(SharedRow(UNDOS, subject, {"token": token, "expires": expires}, owner, expires))
        self._store.shared_put_many(rows)
        with self._lock:
            self._mine[token] = expires
            dropped = []
            while len(self._mine) > MAX_OFFERS or next(iter(self._mine.values())) <= now:
                dropped.append(self._mine.popitem(last=False)[0])
        for old in dropped:
            gone = self._store.shared_take(OFFERS, old, now)
            if gone is not None:
                self._forget_undo(str(gone["subject"]), old, now)
        return token

    def take(self, subject: str, token: str, index: int) -> Option | None:
        """The picked option, once; None when expired, unknown, answered already or somebody else's."""
        now = self._clock()
        doc = self._store.shared_get(OFFERS, token, now)
        if doc is None or doc["subject"] != subject or not 0 <= index < len(doc["options"]):
            return None  # left as it is: somebody else's press, or a damaged index, answers nothing
        if self._store.shared_take(OFFERS, token, now) is None:
            return None  # answered meanwhile, here or by another process
        with self._lock:
            self._mine.pop(token, None)
        self._forget_undo(subject, token, now)
        picked = doc["options"][index]
        return Option(str(picked["label"]), str(picked["action"]), dict(picked["args"]))

    def take_undo(self, subject: str) -> Option | None:
        """The Undo of the person's latest change, if its offer is still open."""
        now = self._clock()
        pointer = self._store.shared_get(UNDOS, subject, now)
        doc = self._store.shared_get(OFFERS, str(pointer["token"]), now) if pointer is not None else None
        if pointer is None or doc is None or doc["undo"] is None:
            return None
        return self.take(subject, str(pointer["token"]), int(doc["undo"]))

    def _forget_undo(self, subject: str, token: str, now: float) -> None:
        """/undo no longer reaches `token`'s offer (answered or dropped); a newer Undo stays reachable."""
        pointer = self._store.shared_get(UNDOS, subject, now)
        if pointer is None or pointer["token"] != token:
            return
        taken = self._store.shared_take(UNDOS, subject, now)
        if taken is not None and taken["token"] != token:  # a newer one came in between: put it back
            self._store.shared_put(UNDOS, subject, taken, account_id=_owner(subject), expires_at=taken["expires"])

    def __len__(self) -> int:
        """The offers this process made that are still kept (answered ones aside)."""
        with self._lock:
            return len(self._mine)
