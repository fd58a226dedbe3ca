"""How records are named: random ids, and reminder names made safe to show on every platform."""

from __future__ import annotations

import secrets

MAX_TEXT = 200
_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: ids are read out loud at times


def new_id(length: int = 10) -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def clean_text(text: str) -> str:
    """Printable, single-line, bounded: reminder names are shown on every platform."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > MAX_TEXT:
        cleaned = cleaned[: MAX_TEXT - 1].rstrip() + "…"
    return cleaned
