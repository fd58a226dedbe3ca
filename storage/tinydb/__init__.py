"""The durable TinyDB store as a package; its public names, importable from here.

  store.py       TinyDBStore: opening, commits into the journal, checkpoints, forgetting, salvage
  snapshot.py    the snapshot file: loading it into the indexes, writing it
  journal.py     the journal files: append, rotate, replay
  codec.py       one journal line <-> one transaction's changes
  history.py     per-account history files, the changes since the last checkpoint, their cache
  layout.py      the one-document-a-line file layout: the atomic writer and the one reader
  loaders.py     records from documents (per document, and msgspec a region at a time)
  interning.py   one shared object per distinct string, schedule or dict while loading
  migrations.py  schema migrations of stored documents
  files.py       file primitives: modes, syncing, the process lock, the write throttle
"""

from storage.tinydb.history import history_path_for
from storage.tinydb.layout import AtomicJSONStorage
from storage.tinydb.loaders import BUILDERS
from storage.tinydb.migrations import META
from storage.tinydb.store import JOURNAL_CHECKPOINT_BYTES, SNAPSHOT_TO_JOURNAL, TinyDBStore, salvage, salvage_command

__all__ = [
    "BUILDERS",
    "JOURNAL_CHECKPOINT_BYTES",
    "META",
    "SNAPSHOT_TO_JOURNAL",
    "AtomicJSONStorage",
    "TinyDBStore",
    "history_path_for",
    "salvage",
    "salvage_command",
]
