"""Records from stored documents: a fast builder per table, and region-at-a-time msgspec loaders.

A region of the snapshot (storage.tinydb.layout) is decoded by msgspec straight into records, a
slotted dataclass per document, with no dict in between; equal strings and schedules are then shared
a field at a time with C-level map() over the region's records (storage.tinydb.interning). Documents
that do not fit (older or foreign ones) are built one at a time, the general way (records.from_doc).

Measured at 100k people (235 MB: 900k documents) on the 2-core machine: the per-line reader with the
stdlib decoder and per-document building took ~13 s; typed msgspec decoding takes ~2 s.
"""

from __future__ import annotations

import contextlib
import operator
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import fields
from itertools import chain, islice, repeat
from typing import Any, Final, Generic, TypeVar

import msgspec

from storage.indexes import ACCOUNTS, FEEDBACK, HISTORY, IDENTITIES, OCCURRENCES, REMINDERS, TALLIES
from storage.records import (
    Account,
    Delivery,
    Feedback,
    IdentityRecord,
    Occurrence,
    R,
    Record,
    Reminder,
    Tally,
    from_doc,
)
from storage.tinydb.interning import Interned, share_dicts, share_strings
from storage.tinydb.layout import Doc, NotLineFormat, decode_docs

_T = TypeVar("_T")

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
        self.setters = tuple(vars(cls)[name].__set__ for name in self.names)
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
        for name, set_slot, column in zip(self.names, self.setters, columns, strict=True):
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
            for name, set_slot in zip(self.columns.names, self.columns.setters, strict=True)
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


# One document at a time ---------------------------------------------------------------------------
def _fast_builder(cls: type[R], *, dicts: tuple[str, ...] = ()) -> Callable[[Doc], R]:
    """from_doc for the common case, ~2x faster: a doc with exactly the record's fields (what this store
    writes) fills the slots directly; anything else (older or foreign documents) goes to from_doc.

    It also registers the same for a whole region of the snapshot (BATCH_LOADERS), where equal dicts in
    the fields `dicts` are shared too (as Interned.fix does for one document).
    """
    names = tuple(f.name for f in fields(cls))
    if hasattr(cls, "__post_init__"):  # validation must run: take the ordinary constructor
        return lambda doc: from_doc(cls, doc)
    setters = tuple((name, getattr(cls, name).__set__) for name in names)
    new = object.__new__
    count = len(names)

    def build(doc: Doc) -> R:
        if len(doc) == count:
            record = new(cls)
            try:
                for name, set_slot in setters:
                    set_slot(record, doc[name])
            except KeyError:
                pass
            else:
                return record
        return from_doc(cls, doc)

    BATCH_LOADERS[build] = TableLoader(cls, dicts=dicts)
    return build


# The region-at-a-time equivalent of a per-document builder in BUILDERS.
BATCH_LOADERS: dict[Callable[[Doc], Any], TableLoader[Any]] = {}

_account = _fast_builder(Account)
_identity = _fast_builder(IdentityRecord)
_reminder = _fast_builder(Reminder, dicts=("schedule",))
_occurrence_slots = _fast_builder(Occurrence)
set_deliveries: Final = vars(Occurrence)["deliveries"].__set__


def occurrence_from_doc(doc: Doc) -> Occurrence:
    items = doc.get("deliveries")
    record = _occurrence_slots(doc)
    if items is not None and items.__class__ is not tuple:  # JSON lists -> tuple of Delivery
        set_deliveries(record, tuple(Delivery(*item) for item in items))
    return record


BATCH_LOADERS[occurrence_from_doc] = TableLoader(Occurrence, convert={"deliveries": deliveries_column})


BUILDERS: dict[str, Callable[[Doc], Record]] = {
    ACCOUNTS: _account,
    IDENTITIES: _identity,
    REMINDERS: _reminder,
    OCCURRENCES: occurrence_from_doc,
    HISTORY: occurrence_from_doc,
    TALLIES: _fast_builder(Tally),
    FEEDBACK: _fast_builder(Feedback),
}


def record_key(record: Record) -> str:
    """The key a record is stored under in its table."""
    if isinstance(record, IdentityRecord):
        return record.key
    if isinstance(record, Feedback):
        return record.entry_id
    return record.reminder_id if isinstance(record, Tally) else record.id
