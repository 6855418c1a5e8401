-- Incidents. The row is the incident's current state; occurrences (every signal that joined it)
-- and transitions (every change of state, with actor, reason and time) are kept in full, and each
-- change is also journaled (incident.created / incident.updated / incident.suppressed).
CREATE TABLE incidents (
  id                  BIGINT  PRIMARY KEY,   -- 1, 2, …: assigned by the journal writer
  dedup_key           TEXT    NOT NULL,      -- SHA-256 (hex) of identity
  identity            TEXT    NOT NULL,      -- the normalised source identity, canonical JSON {kind, source}
  kind                TEXT    NOT NULL,
  source              TEXT    NOT NULL,      -- the policy, scenario, budget… as signalled
  severity            TEXT    NOT NULL,      -- sev1..sev4; escalates with occurrences, never lowers
  state               TEXT    NOT NULL,      -- open | acknowledged | mitigated | resolved | closed
  title               TEXT    NOT NULL,
  occurrences         INTEGER NOT NULL,
  created_at          BIGINT  NOT NULL,      -- epoch milliseconds
  updated_at          BIGINT  NOT NULL,
  last_occurrence_at  BIGINT  NOT NULL,
  acknowledged_at     BIGINT ,
  mitigated_at        BIGINT ,
  resolved_at         BIGINT ,
  closed_at           BIGINT ,
  reopened            INTEGER NOT NULL       -- how many times a signal reopened it
);
-- at most one open incident per dedup key, enforced by the database
CREATE UNIQUE INDEX incidents_one_open ON incidents (dedup_key) WHERE state IN ('open', 'acknowledged', 'mitigated');
CREATE INDEX incidents_by_key ON incidents (dedup_key, created_at);

CREATE TABLE incident_occurrences (
  incident_id  BIGINT  NOT NULL REFERENCES incidents (id),
  n            INTEGER NOT NULL,
  at           BIGINT  NOT NULL,
  journal_seq  BIGINT  NOT NULL,
  outcome      TEXT    NOT NULL,              -- created | occurrence | reopened | suppressed
  severity     TEXT    NOT NULL,
  title        TEXT    NOT NULL,
  details      TEXT    NOT NULL,              -- the signal's evidence (JSON)
  PRIMARY KEY (incident_id, n)
);

CREATE TABLE incident_transitions (
  incident_id  BIGINT  NOT NULL REFERENCES incidents (id),
  n            INTEGER NOT NULL,
  at           BIGINT  NOT NULL,
  journal_seq  BIGINT  NOT NULL,
  from_state   TEXT,                          -- null for the creation
  to_state     TEXT    NOT NULL,
  actor        TEXT    NOT NULL,
  reason       TEXT    NOT NULL,
  PRIMARY KEY (incident_id, n)
);
