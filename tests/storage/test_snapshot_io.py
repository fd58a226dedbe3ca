"""Loading the snapshot fast (storage.tinydb.layout, .loaders, .snapshot): same records, same files."""

from __future__ import annotations

import gc
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.base import SCHEMA_VERSION
from storage.records import DONE, SKIPPED, SNOOZED, Delivery, Occurrence, Reminder, Tally, to_doc
from storage.tinydb import BUILDERS, META, AtomicJSONStorage, TinyDBStore
from storage.tinydb.interning import Interned
from storage.tinydb.layout import NotLineFormat, decode_docs, iter_table_regions
from storage.tinydb.loaders import TableLoader
from tests.storage.helpers import T0, account, identity, occurrence, reminder, state_of

if TYPE_CHECKING:
    from decimal import Decimal as _OnlyForTypes


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[str]:
    yield str(tmp_path / "data" / "clearback.json")


def open_store(path: str, **kwargs: Any) -> TinyDBStore:
    kwargs.setdefault("freeze_gc", False)
    return TinyDBStore(path, **kwargs)


def write_snapshot(path: str, tables: dict[str, list[dict[str, Any]]]) -> None:
    """A snapshot as the store writes it (one document a line), with these documents."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    meta = {"schema_version": SCHEMA_VERSION, "journal_generation": 1}
    layout = [(META, [(1, meta)])] + [(name, list(enumerate(docs, 1))) for name, docs in tables.items()]
    AtomicJSONStorage(path).write_tables(layout, durable=False)


def regions_as_tables(data: bytes, chunk: int, region: int) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for table, text in iter_table_regions(io.BytesIO(data), chunk=chunk, region=region):
        found.setdefault(table, []).extend(decode_docs(text))
    return found


# Cutting the file into regions --------------------------------------------------------------------
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_tables = st.dictionaries(
    st.from_regex(r"[a-z_]{1,8}", fullmatch=True).filter(lambda name: name != META),
    st.lists(st.dictionaries(st.text(max_size=6), _values, max_size=4), max_size=6),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(tables=_tables, chunk=st.integers(1, 300), region=st.integers(1, 300))
def test_regions_hold_exactly_the_documents_whatever_the_cuts(
    tables: dict[str, list[dict[str, Any]]], chunk: int, region: int
) -> None:
    tables = {**tables, "newlines": [{"s": "a\n}\n},\n", "t": "\u00e9\u4e2d\U0001f600"}]}  # escaped in the file
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "db.json")
        write_snapshot(path, tables)
        data = Path(path).read_bytes()
    whole = json.loads(data)  # what TinyDB reads
    expected = {name: list(docs.values()) for name, docs in whole.items() if docs}
    assert regions_as_tables(data, chunk, region) == expected


def test_an_empty_file_layout_has_no_regions() -> None:
    assert regions_as_tables(b"{\n}\n", 4, 4) == {}
    assert regions_as_tables(b'{\n"a":{\n}\n}\n', 4, 4) == {}


@pytest.mark.parametrize(
    "data",
    [
        b'{"_meta": {"1": {"schema_version": 1}}}',  # plain TinyDB: one line
        json.dumps({"_meta": {"1": {"a": 1}}}, indent=2).encode(),  # pretty-printed
        b'{\n"t":{\n"1":{"a":1}\n}\n',  # the last brace is missing
        b'{\n"t":{\n"1":{"a":1}\n}\n}\nmore',  # something after the end
        b'{\n"t":{\n"1":{"a":1},\n"2":{"a":2}',  # cut off inside a table
        b'{\n"t":{\n"1":{"a":1}\n"2":{"a":2}\n}\n}\n',  # no comma between documents
        b'{\n"t":{\n"1":{"a":1}}\n"2":{"a":2}\n}\n}\n',  # a brace too many instead of the comma
        b'{\n"t":{,\n"1":{"a":1}\n}\n}\n',  # a comma straight after the header
        b'{\n"t":{\n"1":{"a":NaN}\n}\n}\n',  # not strict JSON
        b'{\n"t":{\n"1":{"a":1}\n}\n"u":{\n}\n}\n',  # no comma between tables
    ],
)
def test_other_layouts_are_refused(data: bytes) -> None:
    for chunk, region in ((1 << 20, 1 << 15), (3, 2)):
        with pytest.raises(NotLineFormat):
            regions_as_tables(data, chunk, region)


# Records from the snapshot ------------------------------------------------------------------------
def odd_records() -> tuple[list[Reminder], list[Occurrence]]:
    plain = reminder("acct1", 1)
    rems = [
        plain,
        reminder("acct1", 2, paused=True, text="Crème \u00e0 la r\u00e9tinine \U0001f9f4 \\n}\n,"),
        replace(reminder("acct2", 1, next_due=None), schedule={"kind": "custom", "rules": [[1, 2]], "n": {"a": 1.5}}),
        replace(reminder("acct2", 2), series={"treatment": "peel", "sessions": [T0, T0 + 1]}, nudge_minutes=90),
        replace(reminder("acct2", 3), number=2**70),  # bigger than 64 bits
    ]
    occs = [
        occurrence(plain, due=T0, status=SNOOZED, fire_at=T0 + 60),
        occurrence(plain, due=T0 + 1, deliveries=(Delivery("telegram", "1", None), Delivery("discord", "2", "m"))),
        occurrence(rems[1], due=T0 + 2, deliveries=(Delivery("discord", "9", "7"),)),
    ]
    return rems, occs


def test_the_snapshot_gives_back_every_record(db_path: str) -> None:
    store = open_store(db_path)
    rems, occs = odd_records()
    for aid in ("acct1", "acct2"):
        store.put_account(account(aid, quiet_hours="22:00-07:00"))
        store.put_identity(identity(aid, user=aid))
    for rem in rems:
        store.put_reminder(rem)
    for occ in occs:
        store.put_occurrence(occ)
    store.put_occurrence(occurrence(rems[0], due=T0 - 86400, status=DONE))  # history
    for n, rem in enumerate(rems[:3]):  # `through` 0 (an int in a float field) comes back as 0.0: equal
        store.put_tally(Tally(rem.id, rem.account_id, through=n and T0, current=n, best=2 * n, recent="D" * n))
    expected = state_of(store, ["acct1", "acct2"])
    assert sum(len(expected[aid]["tallies"]) for aid in ("acct1", "acct2")) == 3
    store.close()
    again = open_store(db_path)
    assert state_of(again, ["acct1", "acct2"]) == expected
    assert again.recovery.get("replayed_lines", 0) == 0  # all of it came from the snapshot
    got = again.open_occurrences_of("acct1")
    assert [len(o.deliveries) for o in got] == [0, 2, 1]
    assert {type(d) for o in got for d in o.deliveries} == {Delivery}
    assert all(type(o.deliveries) is tuple for o in got)
    big = again.reminders_of("acct2")[2]
    assert big.number == 2**70 and type(big.number) is int
    again.close()


def test_loading_shares_equal_strings_and_schedules(db_path: str) -> None:
    store = open_store(db_path)
    for n in range(3):
        rem = reminder(f"acct{n}", 1)
        store.put_reminder(rem)
        store.put_reminder(reminder(f"acct{n}", 2))
        store.put_occurrence(occurrence(rem, deliveries=(Delivery("telegram", str(n), None),)))
    store.close()
    again = open_store(db_path)
    a, b = again.reminders_of("acct0")[0], again.reminders_of("acct1")[0]
    assert a.schedule == b.schedule and a.schedule is b.schedule
    assert a.text is b.text and a.kind is b.kind and a.origin is b.origin
    assert a.account_id is again.reminders_of("acct0")[1].account_id
    o1, o2 = again.open_occurrences_of("acct0")[0], again.open_occurrences_of("acct1")[0]
    assert o1.status is o2.status and o1.text is o2.text
    assert o1.deliveries[0].platform is o2.deliveries[0].platform
    assert o1.account_id is a.account_id  # across tables too
    again.close()


def test_documents_the_typed_decoder_rejects_are_built_as_before(db_path: str) -> None:
    good = to_doc(reminder("acct1", 1))
    wrong_type = {**to_doc(reminder("acct1", 2)), "paused": 1}  # an int where a bool belongs
    extra = {**to_doc(reminder("acct1", 3)), "future_field": [1]}
    short = {k: v for k, v in to_doc(reminder("acct2", 1)).items() if k not in ("paused", "series")}
    occ = to_doc(occurrence(reminder("acct1", 1)))
    occ_extra = {**to_doc(occurrence(reminder("acct1", 2))), "future_field": 1}
    docs = {"reminders": [good, wrong_type, extra, short], "occurrences": [occ, occ_extra]}
    write_snapshot(db_path, {"reminders": docs["reminders"]})  # one region with all four
    store = open_store(db_path)
    assert store.reminders_of("acct1") + store.reminders_of("acct2") == [
        BUILDERS["reminders"](dict(d)) for d in docs["reminders"]
    ]
    assert store.reminders_of("acct1")[1].paused == 1
    store.close()
    os.unlink(db_path)
    write_snapshot(db_path, {"reminders": [good, extra, short], "occurrences": docs["occurrences"]})
    again = open_store(db_path)  # typed for all three reminders; occurrences one at a time (extra field)
    assert again.reminders_of("acct1") + again.reminders_of("acct2") == [
        BUILDERS["reminders"](dict(d)) for d in (good, extra, short)
    ]
    assert again.open_occurrences_of("acct1") == [BUILDERS["occurrences"](dict(d)) for d in docs["occurrences"]]
    again.close()


def test_unknown_tables_are_skipped(db_path: str, caplog: pytest.LogCaptureFixture) -> None:
    write_snapshot(db_path, {"later_table": [{"a": 1}, {"a": 2}], "reminders": [to_doc(reminder())]})
    store = open_store(db_path)
    assert store.reminders_of("acct1") == [reminder()]
    assert [r.message for r in caplog.records].count(f"ignoring unknown table 'later_table' in {db_path}") == 1
    store.close()


def test_a_snapshot_that_is_not_strict_json_is_read_whole(db_path: str) -> None:
    store = open_store(db_path)
    ids = [f"acct{n}" for n in range(3)]
    for aid in ids:
        store.put_account(account(aid))
        store.put_reminder(reminder(aid, 1))
        store.put_occurrence(occurrence(reminder(aid, 1), status=SNOOZED, fire_at=T0 + 5))
    odd = replace(occurrence(reminder("acct2", 2), due=T0 + 9), updated_at=math.nan)  # the stdlib writes NaN
    store.put_occurrence(odd)
    expected = state_of(store, ids[:2])
    store.close()  # NaN in the occurrences table, after the reminders were streamed in already
    assert b"NaN" in Path(db_path).read_bytes()
    again = open_store(db_path)
    # Nothing twice from the abandoned streaming load: 3 reminders + 3 snoozed occurrences are due.
    assert again.stats()["due_heap"] == 6  # (before reads, which drop duplicates)
    assert state_of(again, ids[:2]) == expected
    assert math.isnan(again.open_occurrences_of("acct2")[1].updated_at)
    again.put_reminder(replace(reminder("acct2", 7), created_at=math.nan))  # a NaN in the journal too
    again._release_lock_for_tests()  # as kill -9 leaves it
    third = open_store(db_path)
    assert third.recovery["replayed_lines"] == 1
    assert [r.number for r in third.reminders_of("acct2")] == [1, 7]
    assert math.isnan(third.reminders_of("acct2")[1].created_at)
    third.close()


def test_tables_written_by_the_store_still_open_with_plain_tinydb_reading(db_path: str) -> None:
    store = open_store(db_path)
    store.put_reminder(reminder())
    store.put_occurrence(occurrence(reminder(), status=SKIPPED))
    store.close()
    raw = AtomicJSONStorage(db_path).read()
    assert raw is not None and list(raw["reminders"].values()) == [to_doc(reminder())]


class _Opaque:
    """A field type msgspec cannot decode into."""


@dataclass(frozen=True, slots=True)
class _Later:
    id: str
    extra: _Opaque | None = None


@dataclass(frozen=True, slots=True)
class _Unresolvable:
    id: str
    extra: _OnlyForTypes | None = None  # not importable at run time: msgspec cannot resolve it


def test_records_msgspec_cannot_type_are_built_from_dicts() -> None:
    interned = Interned()
    region = b'{"1":{"id":"a","extra":{"x":1}},"2":{"id":"b","extra":null}}'
    records, docs = TableLoader(_Later).load(region, interned, ("id",))
    assert records == [_Later("a", {"x": 1}), _Later("b")]  # type: ignore[arg-type]  # as _fast_builder would
    assert docs  # (the dict way)
    unresolved, docs = TableLoader(_Unresolvable).load(region, interned)
    assert unresolved == [_Unresolvable("a", {"x": 1}), _Unresolvable("b")] and docs  # type: ignore[arg-type]


# The collector during open ------------------------------------------------------------------------
def test_open_keeps_the_collector_off_until_what_it_loaded_is_frozen(
    db_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(db_path)
    store.put_reminder(reminder())
    store._release_lock_for_tests()  # leaves a journal line to replay
    seen: list[bool] = []
    real = TinyDBStore._replay

    def replay(self: TinyDBStore, generation: int, *, is_last: bool, version: int) -> None:
        seen.append(gc.isenabled())
        real(self, generation, is_last=is_last, version=version)

    monkeypatch.setattr(TinyDBStore, "_replay", replay)
    frozen = gc.get_freeze_count()
    try:
        again = open_store(db_path, freeze_gc=True)
        assert seen == [False]  # no collection between loading the snapshot and replaying
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen
        again.close()
    finally:
        gc.unfreeze()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        open_store(db_path).close()
        assert not gc.isenabled()  # left as it was found
    finally:
        if gc_was:
            gc.enable()
