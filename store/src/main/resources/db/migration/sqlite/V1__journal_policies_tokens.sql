-- The hash-chained journal: every mutation commits with its entry in one transaction.
CREATE TABLE journal (
  seq          INTEGER PRIMARY KEY,
  recorded_at  INTEGER NOT NULL,      -- epoch milliseconds
  type         TEXT    NOT NULL,
  subject      TEXT    NOT NULL,
  actor        TEXT    NOT NULL,
  payload      TEXT    NOT NULL,      -- RFC 8785 canonical JSON
  prev_hash    TEXT    NOT NULL,
  hash         TEXT    NOT NULL
);
CREATE INDEX journal_subject ON journal (subject, seq);

-- One row: the chain's head. Writers lock it per batch so the chain stays one line.
CREATE TABLE journal_head (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   INTEGER NOT NULL,
  hash  TEXT    NOT NULL
);
INSERT INTO journal_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE policies (
  name             TEXT    PRIMARY KEY,
  current_version  INTEGER NOT NULL,
  frozen           INTEGER NOT NULL DEFAULT 0,
  frozen_reason    TEXT,
  frozen_by        TEXT,
  frozen_at        INTEGER,
  guards           TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);

CREATE TABLE policy_versions (
  policy       TEXT    NOT NULL REFERENCES policies (name),
  version      INTEGER NOT NULL,
  document     TEXT    NOT NULL,      -- canonical JSON; state_hash = SHA-256 of exactly these bytes
  state_hash   TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  reason       TEXT,
  actor        TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  journal_seq  INTEGER NOT NULL,
  PRIMARY KEY (policy, version)
);
CREATE INDEX policy_versions_time ON policy_versions (policy, created_at);

CREATE TABLE api_tokens (
  id          TEXT    PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  role        TEXT    NOT NULL,
  token_hash  TEXT    NOT NULL UNIQUE, -- SHA-256 of the token; the token itself is never stored
  created_at  INTEGER NOT NULL,
  created_by  TEXT    NOT NULL
);
