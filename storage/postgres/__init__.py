"""The PostgreSQL store: one database shared by any number of peer processes.

  store.py       PostgresStore: the storage contract on PostgreSQL, row locks and SKIP LOCKED claims
  schema.py      the versioned migrations in migrations/, applied in order and recorded
  leases.py      leases: work exactly one peer does at a time, held in the database
"""

from storage.postgres.schema import SchemaTooNew, migrate
from storage.postgres.store import PostgresStore

__all__ = ["PostgresStore", "SchemaTooNew", "migrate"]
