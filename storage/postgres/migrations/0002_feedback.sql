-- "Was this helpful?" counts per treatment-guide entry (bot.guide). Only the entry and two counts: no
-- account, no identity, no question text, so /forget and /export have nothing here to delete or show.
-- Presses are counted by one INSERT ... ON CONFLICT DO UPDATE SET up = up + 1: peers never lose a press.

CREATE TABLE guide_feedback (
    entry_id    text PRIMARY KEY,
    up          bigint NOT NULL DEFAULT 0 CHECK (up >= 0),
    down        bigint NOT NULL DEFAULT 0 CHECK (down >= 0)
);
