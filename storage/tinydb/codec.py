"""The journal line codec: one committed transaction <-> `<crc32 hex> <json [[table, key, account_id, doc]]>\\n`."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from typing import Any

import msgspec

from storage.indexes import Change
from storage.records import to_doc
from storage.tinydb.layout import encode_json

_decode_json = msgspec.json.Decoder().decode

JournalChange = list[Any]  # [table, key, account_id, document or None], as decoded


def encode_line(changes: Iterable[Change]) -> bytes:
    """One line for the journal: the changes as JSON (documents as to_doc writes them), behind their CRC32."""
    payload = encode_json(
        [[c.table, c.key, c.account_id, None if c.record is None else to_doc(c.record)] for c in changes]
    ).encode("ascii")
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def decode_line(line: bytes) -> list[JournalChange] | None:
    """The change list of one journal line (without its newline), or None if the line is torn or damaged."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    payload = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(payload):
            return None
        try:
            changes = _decode_json(payload)
        except msgspec.DecodeError:  # not strict JSON (NaN, Infinity): the stdlib decoder takes those
            changes = json.loads(payload.decode("ascii"))
    except ValueError:
        return None
    if not isinstance(changes, list) or not all(isinstance(c, list) and len(c) == 4 for c in changes):
        return None
    return changes
