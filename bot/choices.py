"""Questions with buttons that do something when answered: "Did you mean Fri 4 Dec at 18:00?", "Undo".

An offer is a few options, each a label and what to do when it is picked; the buttons carry only a short
random token and the option's index, bound to the person (bot.payloads.bound), so a button of somebody
else's, or one from before a restart, changes nothing. Offers live in memory: they are answered within
minutes or not at all, and after a restart the person is told the question expired and what to type instead.
Picking one option answers the whole offer: its other buttons expire.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.models import Reply

Asker = TypeVar("Asker")  # what an option's action is given when picked: the handlers' Context

OFFER_TTL = 6 * 3600.0
MAX_OFFERS = 20_000  # beyond it the oldest are forgotten first
TOKEN_CHARS = 8
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


@dataclass(frozen=True, slots=True)
class Option(Generic[Asker]):
    """A button's label and what picking it does (given the Context of whoever picked it)."""

    label: str
    act: Callable[[Asker], list[Reply]]


@dataclass(frozen=True, slots=True)
class _Offer:
    subject: str
    options: tuple[Option[Any], ...]
    expires: float
    undo_index: int | None


class Choices:
    """The open offers of every person, bounded in number and age; safe to use from several threads."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._offers: OrderedDict[str, _Offer] = OrderedDict()
        self._last_undo: dict[str, str] = {}  # subject -> token of their latest offer with an Undo
        self._lock = threading.Lock()

    def offer(self, subject: str, options: Sequence[Option[Any]], undo_index: int | None = None) -> str:
        """Keep an offer; `undo_index` marks its Undo option, which a typed /undo also reaches."""
        token = "".join(secrets.choice(_ALPHABET) for _ in range(TOKEN_CHARS))
        now = self._clock()
        with self._lock:
            self._offers[token] = _Offer(subject, tuple(options), now + OFFER_TTL, undo_index)
            if undo_index is not None:
                self._last_undo[subject] = token
            # Drop the oldest beyond the bound, and the expired ones at the old end: all live equally long.
            while len(self._offers) > MAX_OFFERS or next(iter(self._offers.values())).expires <= now:
                _, dropped = self._offers.popitem(last=False)
                self._forget_undo(dropped.subject)
        return token

    def _forget_undo(self, subject: str) -> None:
        token = self._last_undo.get(subject)
        if token is not None and token not in self._offers:
            del self._last_undo[subject]

    def take(self, subject: str, token: str, index: int) -> Option[Any] | None:
        """The picked option, once; None when expired, unknown, answered already or somebody else's."""
        with self._lock:
            offer = self._offers.get(token)
            if offer is None or offer.subject != subject or offer.expires <= self._clock():
                return None
            if not 0 <= index < len(offer.options):
                return None
            del self._offers[token]
            self._forget_undo(subject)
        return offer.options[index]

    def take_undo(self, subject: str) -> Option[Any] | None:
        """The Undo of the person's latest change, if its offer is still open."""
        with self._lock:
            token = self._last_undo.get(subject)
            offer = self._offers.get(token) if token else None
        if token is None or offer is None or offer.undo_index is None:
            return None
        return self.take(subject, token, offer.undo_index)

    def __len__(self) -> int:
        return len(self._offers)
