-- Evidence (issue 5): scenarios and their runs, which scenarios guard which policy, and promotions
-- with what they changed and the evidence they were made on. Every row is written by a journal command.
CREATE TABLE scenarios (
  id                TEXT    PRIMARY KEY,
  min_runs          INTEGER NOT NULL,
  max_failure_rate  REAL    NOT NULL,
  run_window        INTEGER NOT NULL,      -- the last N runs count
  tags              TEXT    NOT NULL,      -- JSON array of strings
  learned_from      TEXT    REFERENCES scenarios (id),   -- the scenario whose promotion was rolled back
  learned_by        TEXT,                  -- the promotion whose rollback created it
  reason            TEXT,
  created_by        TEXT    NOT NULL,
  created_at        INTEGER NOT NULL,      -- epoch milliseconds
  journal_seq       INTEGER NOT NULL
);

CREATE TABLE scenario_runs (
  scenario     TEXT    NOT NULL REFERENCES scenarios (id),
  n            INTEGER NOT NULL,           -- 1, 2, … per scenario
  passed       INTEGER NOT NULL,
  duration_ms  INTEGER,
  metrics      TEXT,                       -- JSON object
  source       TEXT,
  recorded_at  INTEGER NOT NULL,
  journal_seq  INTEGER NOT NULL,           -- one entry per request, shared by its runs
  PRIMARY KEY (scenario, n)
);

-- the scenarios a promotion of the policy must pass: those it was promoted on, and the learned ones
CREATE TABLE scenario_bindings (
  policy        TEXT    NOT NULL REFERENCES policies (name),
  scenario      TEXT    NOT NULL REFERENCES scenarios (id),
  learned       INTEGER NOT NULL,
  learned_from  TEXT    REFERENCES scenarios (id),
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (policy, scenario)
);

CREATE TABLE promotions (
  id                  TEXT    PRIMARY KEY,   -- {policy}-{n}
  policy              TEXT    NOT NULL REFERENCES policies (name),
  n                   INTEGER NOT NULL,
  scenario            TEXT    NOT NULL REFERENCES scenarios (id),
  status              TEXT    NOT NULL,      -- promoted | rolled_back
  delta               TEXT    NOT NULL,      -- the merge patch, canonical JSON
  reason              TEXT,
  old_version         INTEGER NOT NULL,
  old_hash            TEXT    NOT NULL,
  new_version         INTEGER NOT NULL,
  new_hash            TEXT    NOT NULL,
  eligibility         TEXT    NOT NULL,      -- JSON array: every bound scenario's eligibility at promotion
  promoted_by         TEXT    NOT NULL,
  promoted_at         INTEGER NOT NULL,
  promote_seq         INTEGER NOT NULL,
  rollback_reason     TEXT,
  rolled_back_by      TEXT,
  rolled_back_at      INTEGER,
  rollback_version    INTEGER,
  regression_scenario TEXT    REFERENCES scenarios (id),
  rollback_seq        INTEGER,
  UNIQUE (policy, n)
);
