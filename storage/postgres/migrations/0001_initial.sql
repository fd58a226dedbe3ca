-- ClearBack's first PostgreSQL schema. Each record is kept whole in `doc` (the same fields as the TinyDB
-- files, storage.records.to_doc); the columns beside it are what the queries select and order by.

CREATE TABLE accounts (
    id          text PRIMARY KEY,
    doc         jsonb NOT NULL
);

CREATE TABLE identities (
    key         text PRIMARY KEY,
    account_id  text NOT NULL,
    doc         jsonb NOT NULL
);
CREATE INDEX identities_by_account ON identities (account_id);

CREATE TABLE reminders (
    id          text PRIMARY KEY,
    account_id  text NOT NULL,
    number      integer NOT NULL,
    next_due    double precision,
    paused      boolean NOT NULL,
    doc         jsonb NOT NULL
);
CREATE INDEX reminders_by_account ON reminders (account_id, number);
-- "What fires next": only the reminders that can fire are in it.
CREATE INDEX reminders_due ON reminders (next_due) WHERE next_due IS NOT NULL AND NOT paused;

-- Open occurrences and history in one table: an answer moves a row between the two partial indexes, never
-- between tables. (reminder_id, due) is unique: no two processes can ever create the same occurrence.
CREATE TABLE occurrences (
    id          text PRIMARY KEY,
    account_id  text NOT NULL,
    reminder_id text NOT NULL,
    due         double precision NOT NULL,
    fire_at     double precision NOT NULL,
    status      text NOT NULL,
    is_open     boolean NOT NULL,
    doc         jsonb NOT NULL,
    CONSTRAINT one_occurrence_per_due UNIQUE (reminder_id, due)
);
CREATE INDEX occurrences_open ON occurrences (account_id, due) WHERE is_open;
CREATE INDEX occurrences_history ON occurrences (account_id, due) WHERE NOT is_open;
CREATE INDEX occurrences_scheduled ON occurrences (fire_at) WHERE status IN ('retry', 'snoozed', 'held', 'nudge');
CREATE INDEX occurrences_sending ON occurrences (status) WHERE status = 'sending';

CREATE TABLE tallies (
    reminder_id text PRIMARY KEY,
    account_id  text NOT NULL,
    doc         jsonb NOT NULL
);
CREATE INDEX tallies_by_account ON tallies (account_id);

-- Work that exactly one peer may do at a time (the dispatcher, the Telegram long-poll, a Discord shard).
-- Times are the database's clock, so the peers' clocks never have to agree.
CREATE TABLE leases (
    name        text PRIMARY KEY,
    holder      text NOT NULL,
    expires_at  timestamptz NOT NULL
);

-- Short-lived state every peer must see (the button-signing key, notes to tell a person on their next
-- message): kind + key -> a JSON document, dropped after expires_at (epoch seconds; NULL: kept). Rows about
-- one person name their account, so /forget deletes them with everything else.
CREATE TABLE shared_state (
    kind        text NOT NULL,
    key         text NOT NULL,
    account_id  text,
    doc         jsonb NOT NULL,
    expires_at  double precision,
    PRIMARY KEY (kind, key)
);
CREATE INDEX shared_state_by_account ON shared_state (account_id) WHERE account_id IS NOT NULL;
