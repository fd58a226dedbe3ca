"""Fast loading of the snapshot (the file in `AtomicJSONStorage.write_tables`' layout).

The file is cut into regions of whole document lines (tens of KB: the records of one region are built
while its bytes and documents are still in the CPU cache), and each region is decoded by msgspec
straight into records, a slotted dataclass per document, with no dict in between. Equal strings and
schedules are then shared a field at a time with C-level map() over the region's records.

Measured at 100k people (235 MB: 900k documents) on the 2-core machine: the per-line reader with the
stdlib decoder and per-document building took ~13 s; typed msgspec decoding takes ~2 s.
"""

from __future__ import annotations

import contextlib
import operator
import re
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import fields
from itertools import chain, islice, repeat
from typing import IO, Any, Final, Generic, TypeVar

import msgspec

from storage.records import Delivery

Doc = dict[str, Any]
_T = TypeVar("_T")

CHUNK_BYTES: Final = 1 << 20  # read this much at a time
# Decode this much at a time, so a region's records are built while its bytes and documents are still in
# the CPU cache (measured with per-field building: 32 KB regions 4.1 s at 100k people, 4 MB regions 10 s).
REGION_BYTES: Final = 32 << 10
_HEADER = re.compile(rb'"([A-Za-z0-9_]+)":\{')
_STR_OR_NONE: Final = frozenset({str, type(None)})
_decode_any = msgspec.json.Decoder().decode


class Interned:
    """One shared object per distinct value while loading: ~900k records at 100k people repeat the same
    few strings (account ids, kinds, platforms, statuses, texts) and the same few schedules."""

    __slots__ = ("dicts", "strings")

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.dicts: dict[bytes, Any] = {}  # by JSON text, see share_dicts


class NotLineFormat(Exception):
    """The file is valid TinyDB JSON maybe, but not one document a line: read it whole."""


def decode_docs(region: bytes) -> list[Doc]:
    """The documents of a region, as dicts.

    Strict JSON only: a region that is not (NaN, another layout) makes the caller read the file whole
    with the stdlib decoder, which also decides whether it is valid at all.
    """
    try:
        members = _decode_any(region)
    except msgspec.DecodeError as exc:  # a ValidationError too (a number out of range)
        raise NotLineFormat from exc
    if not isinstance(members, dict):
        raise NotLineFormat
    return list(members.values())


def iter_table_regions(
    handle: IO[bytes], chunk: int = CHUNK_BYTES, region: int = REGION_BYTES
) -> Iterator[tuple[str, bytes]]:
    """(table, `{"<doc_id>":{...},\\n"<doc_id>":{...}}`) from a binary file in write_tables' layout.

    That layout has each document on its own line (`"<doc_id>":<json>,`), so a raw newline only ever
    separates lines and `\\n}` only ever closes a table: the document lines between two cuts at line
    ends, in braces, are a JSON object of their own, with the same members as the table has there.
    Raises NotLineFormat on any other layout (not on bad JSON inside a line: decoding finds that).
    """
    buf, pos, eof = b"", 0, False
    first = True
    while True:
        # Expect a table header, or the end of the file.
        while not eof and len(buf) - pos < 256:  # a header is short: make sure it is all in the buffer
            more = handle.read(chunk)
            buf, pos, eof = buf[pos:] + more, 0, not more
        if first and pos == 0:
            if not buf.startswith(b"{\n"):
                raise NotLineFormat
            pos = 2
        if not first:
            if buf.startswith(b"\n}", pos) and not buf[pos + 2 :].strip() and eof:
                return
            if not buf.startswith(b",\n", pos):
                raise NotLineFormat
            pos += 2
        elif buf.startswith(b"}", pos) and not buf[pos + 1 :].strip() and eof:
            return  # no tables at all
        match = _HEADER.match(buf, pos)
        if match is None:
            raise NotLineFormat
        table = match.group(1).decode("ascii")
        pos = match.end()
        first = False
        # Documents up to the table's closing `\n}`, a region of whole lines at a time.
        end = buf.find(b"\n}", pos)
        while True:
            # Without the table's end in the buffer, a newline in its last byte may yet be the one in
            # `\n}` (the last document line has no comma): only look at newlines with a byte after them.
            limit = end if end >= 0 else len(buf) - 1
            if end >= 0 and end - pos <= region:
                cut = end
            else:
                # The last line end within a region (single-byte searches: memrchr / memchr, fast).
                cut = buf.rfind(b"\n", pos + 1, min(limit, pos + region))
                if cut < 0:  # a line longer than a region
                    cut = buf.find(b"\n", pos + 1, limit)
                if cut < 0:
                    cut = end
                else:
                    cut -= 1  # a document line before another one ends with a comma
                    if buf[cut] != 0x2C:
                        raise NotLineFormat
            if cut < 0:  # no whole line in the buffer yet
                if eof:
                    raise NotLineFormat
                more = handle.read(chunk)
                buf, pos, eof = buf[pos:] + more, 0, not more
                end = buf.find(b"\n}", pos)
                continue
            if cut > pos:
                yield table, b"{" + buf[pos:cut] + b"}"
            elif cut != end:
                raise NotLineFormat  # `,` straight after the header or another `,`
            if cut == end:
                pos = end + 2
                break
            pos = cut + 1  # the next region starts at `\n"<doc_id>"`


Converter = Callable[[list[Any], Interned], list[Any] | None]  # a column as decoded -> as stored, or None


class ColumnBuilder(Generic[_T]):
    """Records of one slotted dataclass from a batch of documents (dicts), one field at a time.

    build() returns None unless every document has exactly the record's fields (what this store
    writes); the caller then builds that batch one document at a time, the general way. Like the
    per-document fast builder, it sets the slots directly: the classes it is used for have no
    __post_init__ to run.
    """

    def __init__(
        self,
        cls: type[_T],
        *,
        dicts: Collection[str] = (),
        convert: Mapping[str, Converter] | None = None,
        positional: bool = False,
    ) -> None:
        assert not hasattr(cls, "__post_init__"), cls
        self.cls = cls
        self.names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]  # any dataclass
        self.dicts = frozenset(dicts)
        self.convert = dict(convert or {})
        self._setters = tuple(vars(cls)[name].__set__ for name in self.names)
        # positional: each item is a list in field order (a Delivery in a document), else a dict.
        keys: tuple[Any, ...] = tuple(range(len(self.names))) if positional else self.names
        self._getters = tuple(operator.itemgetter(key) for key in keys)

    def build(self, docs: list[Any], interned: Interned, shared: Collection[str] = ()) -> list[_T] | None:
        """`shared`: the fields whose strings are replaced by one object per distinct value."""
        if not docs:
            return []
        try:
            if set(map(len, docs)) != {len(self.names)}:
                return None
            columns = [list(map(get, docs)) for get in self._getters]
        except (KeyError, TypeError, IndexError):  # a missing field, or not a dict / list at all
            return None
        records: list[_T] = list(map(object.__new__, repeat(self.cls, len(docs))))
        for name, set_slot, column in zip(self.names, self._setters, columns, strict=True):
            if name in shared:
                column = share_strings(column, interned)
            elif name in self.dicts:
                column = share_dicts(column, interned)
            convert = self.convert.get(name)
            if convert is not None:
                converted = convert(column, interned)
                if converted is None:
                    return None
                column = converted
            deque(map(set_slot, records, column), maxlen=0)
        return records


class TableLoader(Generic[_T]):
    """Records of one slotted dataclass from the regions of its table.

    msgspec decodes a region straight into records (typed by the dataclass's annotations; missing
    fields take their defaults, unknown ones are ignored, as in from_doc; an int in a float field
    becomes a float). A region it cannot type (a value of another type) is decoded into dicts and
    built by ColumnBuilder, or else by the caller one document at a time. Tables whose documents need
    converting (`convert`: e.g. deliveries are stored as lists) always take the dict way.
    """

    def __init__(
        self, cls: type[_T], *, dicts: Collection[str] = (), convert: Mapping[str, Converter] | None = None
    ) -> None:
        self.columns = ColumnBuilder(cls, dicts=dicts, convert=convert)
        self._typed: Callable[[bytes], dict[str, _T]] | None = None
        if not convert:  # (a field type msgspec does not know: the dict way too)
            with contextlib.suppress(TypeError, ValueError, NameError):
                self._typed = msgspec.json.Decoder(dict[str, cls]).decode  # type: ignore[valid-type]
        self._slots = {
            name: (operator.attrgetter(name), set_slot)
            for name, set_slot in zip(self.columns.names, self.columns._setters, strict=True)
        }

    def load(
        self, region: bytes, interned: Interned, shared: Collection[str] = ()
    ) -> tuple[list[_T] | None, list[Doc]]:
        """(records, []) or, when they could not be built here, (None, the documents as dicts)."""
        if self._typed is not None:
            try:
                records: list[_T] = list(self._typed(region).values())
            except msgspec.ValidationError:
                pass
            except msgspec.DecodeError as exc:
                raise NotLineFormat from exc
            else:
                for name in self._slots.keys() & {*shared, *self.columns.dicts}:
                    get, set_slot = self._slots[name]
                    column = list(map(get, records))
                    column = share_strings(column, interned) if name in shared else share_dicts(column, interned)
                    deque(map(set_slot, records, column), maxlen=0)
                return records, []
        docs = decode_docs(region)
        return self.columns.build(docs, interned, shared), docs


def share_strings(column: list[Any], interned: Interned) -> list[Any]:
    """One object per distinct string (other values, e.g. 1 and True, equal as keys: left alone)."""
    if set(map(type, column)) <= _STR_OR_NONE:
        return list(map(interned.strings.setdefault, column, column))
    return column


def share_dicts(column: list[Any], interned: Interned) -> list[Any]:
    """One shared dict per distinct value (records are immutable and nothing mutates these dicts).

    The key is the dict's JSON text: it tells 1, 1.0 and true apart, and there is no NaN (which it
    would write as null) in what msgspec decoded. Values that are not dicts are left as they are.
    """
    if set(map(type, column)) != {dict}:
        return column
    try:
        keys = list(map(_encode, column))
    except (msgspec.EncodeError, TypeError, ValueError):
        return column
    return list(map(interned.dicts.setdefault, keys, column))


_encode = msgspec.json.Encoder().encode
_DELIVERY: Final = ColumnBuilder(Delivery, positional=True)


def deliveries_column(column: list[Any], interned: Interned) -> list[Any] | None:
    """JSON lists of [platform, chat_id, message_ref] -> tuples of Delivery, for a whole batch."""
    if set(map(type, column)) != {list}:
        return None
    counts = list(map(len, column))
    built = _DELIVERY.build(list(chain.from_iterable(column)), interned, ("platform",))
    if built is None:
        return None
    if set(counts) == {1}:  # the common case: shown once
        return list(zip(built))
    items = iter(built)
    return [tuple(islice(items, count)) for count in counts]
