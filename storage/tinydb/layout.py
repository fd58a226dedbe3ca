"""The store's file layout (TinyDB JSON, one document a line): its atomic writer and its one reader.

`AtomicJSONStorage.write_tables` writes

    {
    "<table>":{
    "<doc_id>":<document JSON>,
    "<doc_id>":<document JSON>
    },
    "<table>":{
    }
    }

which is still plain TinyDB JSON (tinydb.TinyDB(path) reads it), but with each document on its own
line: a raw newline only ever separates lines, and `\\n}` only ever closes a table. That lets the
store stream big files a region of whole lines at a time (iter_table_regions) instead of building one
giant dict, and lets salvage keep every line of a damaged file that still parses (salvage_lines).
A file in any other layout makes the readers raise NotLineFormat: it is then read whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import IO, Any, Final, NamedTuple

import msgspec
from tinydb.storages import Storage

from storage.base import StorageError
from storage.tinydb.files import FILE_MODE, datasync, fsync_dir, make_dir

Doc = dict[str, Any]

CHUNK_BYTES: Final = 1 << 20  # read this much at a time
# Decode this much at a time, so a region's records are built while its bytes and documents are still in
# the CPU cache (measured with per-field building: 32 KB regions 4.1 s at 100k people, 4 MB regions 10 s).
REGION_BYTES: Final = 32 << 10
# While a background checkpoint writes, fdatasync every this many bytes (see write_tables).
SYNC_EVERY: Final = 1 << 20
_HEADER = re.compile(rb'"([A-Za-z0-9_]+)":\{')
# bytes.find with a 2-byte needle compares a byte at a time (~1 GB/s on the 2-core machine); re finds the
# literal by memchr on the newline, ~3x faster, and this scan covers every byte of every file read.
_TABLE_END = re.compile(rb"\n\}")
_decode_any = msgspec.json.Decoder().decode
encode_json: Final = json.JSONEncoder(separators=(",", ":")).encode  # ASCII-only: one line per document


class NotLineFormat(Exception):
    """The file is valid TinyDB JSON maybe, but not one document a line: read it whole."""


# Reading ------------------------------------------------------------------------------------------
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
        end = _table_end(buf, pos)
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
                end = _table_end(buf, pos)
                continue
            if cut > pos:  # one copy (`+` makes three, and big ones each take fresh pages)
                yield table, b"".join((b"{", memoryview(buf)[pos:cut], b"}"))
            elif cut != end:
                raise NotLineFormat  # `,` straight after the header or another `,`
            if cut == end:
                pos = end + 2
                break
            pos = cut + 1  # the next region starts at `\n"<doc_id>"`


def _table_end(buf: bytes, pos: int) -> int:
    """Where the table open at `pos` closes (its `\\n}`); -1 when that is not in the buffer yet."""
    match = _TABLE_END.search(buf, pos)
    return -1 if match is None else match.start()


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


def region_doc_texts(region: bytes) -> list[str]:
    """The document JSON texts of a region, undecoded (to copy rows into a new file without re-encoding).

    A region is `{` + lines `\\n"<doc_id>":<json>` joined by `,` + `}`; raises NotLineFormat otherwise.
    """
    lines = region.decode("utf-8").split("\n")  # decoded once, split on one character: both cost least
    if lines[0] != "{" or len(lines) < 2:
        raise NotLineFormat
    last = lines.pop()[:-1]  # without the region's closing brace
    texts: list[str] = []
    append = texts.append
    for line in islice(lines, 1, None):  # every line but the last ends with the comma before the next
        colon = line.find('":')
        if colon < 2 or line[0] != '"' or line[-1] != "," or not line[1:colon].isdigit():
            raise NotLineFormat
        append(line[colon + 2 : -1])
    colon = last.find('":')
    if colon < 2 or last[0] != '"' or not last[1:colon].isdigit():
        raise NotLineFormat
    append(last[colon + 2 :])
    return texts


def iter_doc_texts(handle: IO[bytes]) -> Iterator[tuple[str, list[str]]]:
    """(table, [document JSON, ...]) a region at a time, from a binary file in write_tables' layout."""
    for table, region in iter_table_regions(handle):
        yield table, region_doc_texts(region)


class SalvagedLine(NamedTuple):
    """One line of a damaged file, as far as it still reads."""

    table: str | None  # the last table header seen (None before any)
    doc: bytes | None  # a document line's JSON (not yet parsed); None for any other line
    junk: bool  # neither a document, a header, a brace nor blank


_SALVAGE_HEADER = re.compile(rb',?\s*"([A-Za-z0-9_]+)":\{\s*')
_DOC_LINE = re.compile(rb'\s*"\d+":(\{.*\}),?\s*')
_BRACES: Final = (b"{", b"}", b"},", b"")


def salvage_lines(handle: IO[bytes]) -> Iterator[SalvagedLine]:
    """Every line of a file in this layout that may be damaged anywhere: one bad byte costs one line."""
    table: str | None = None
    for line in handle:
        header = _SALVAGE_HEADER.fullmatch(line)
        if header is not None:
            table = header.group(1).decode()
            yield SalvagedLine(table, None, False)
            continue
        match = _DOC_LINE.fullmatch(line)
        if match is not None:
            yield SalvagedLine(table, match.group(1), False)
        else:
            yield SalvagedLine(table, None, line.strip() not in _BRACES)


# Writing ------------------------------------------------------------------------------------------
class AtomicJSONStorage(Storage):
    """A TinyDB storage that never leaves a half-written file.

    read(): plain json load. write(): temp file in the same directory, fsync, os.replace, fsync the
    directory; mode 0o600. It writes one document a line (still plain TinyDB JSON, readable by
    tinydb.TinyDB(path)), which lets the store stream big files instead of building one giant dict.
    """

    def __init__(self, path: str, create_dirs: bool = False, **_: Any) -> None:
        super().__init__()
        self.path = path
        if create_dirs:
            make_dir(os.path.dirname(path) or ".")

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        if not data.strip():
            return None
        raw = json.loads(data)
        if not isinstance(raw, dict):
            raise StorageError(f"{self.path} is not a TinyDB file")
        return raw

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.write_tables((name, docs.items()) for name, docs in data.items())

    def write_tables(
        self,
        tables: Iterable[tuple[str, Iterable[tuple[str | int, Mapping[str, Any] | str]]]],
        *,
        sync_dir: bool = True,
        pace: Callable[[int], None] | None = None,
        durable: bool = True,
        keep_previous: str | None = None,
    ) -> None:
        """Write {table: {doc_id: doc}} atomically; a doc may be a dict or its JSON text already.

        With `keep_previous`, the file being replaced stays at that path (a hard link: no copy), so a
        snapshot that later turns out damaged can be rebuilt from the one before it and the journals.

        With `pace` (background checkpoints) it is told the bytes written every few dozen documents
        (it sleeps to cap the rate and to hand the GIL to the event loop), and the file is fdatasynced
        every SYNC_EVERY bytes so the final fsync never has a burst to flush.
        durable=False skips the fsyncs: only for generating test data in bulk.
        """
        tmp = self.path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
        try:
            with os.fdopen(fd, "w", encoding="ascii", buffering=1 << 20) as handle:
                write = handle.write
                written = unsynced = reported = 0
                write("{")
                count = 0
                for t_index, (name, docs) in enumerate(tables):
                    write(("\n" if t_index == 0 else ",\n") + json.dumps(name) + ":{")
                    sep = "\n"
                    for doc_id, doc in docs:
                        text = doc if isinstance(doc, str) else encode_json(doc)
                        written += write(f'{sep}"{doc_id}":{text}')
                        sep = ",\n"
                        count += 1
                        if pace is not None and count % 32 == 0:
                            pace(written - reported)
                            reported = written
                            if written - unsynced >= SYNC_EVERY and durable:
                                handle.flush()
                                datasync(handle.fileno())
                                unsynced = written
                    write("\n}")
                write("\n}\n")
                handle.flush()
                if pace is not None:
                    pace(written - reported)
                if durable:
                    os.fsync(handle.fileno())
            if keep_previous is not None and os.path.exists(self.path):
                staged = keep_previous + ".tmp"
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(staged)
                os.link(self.path, staged)
                os.replace(staged, keep_previous)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if sync_dir and durable:
            fsync_dir(os.path.dirname(self.path) or ".")
