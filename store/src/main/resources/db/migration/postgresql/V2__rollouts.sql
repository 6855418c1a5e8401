-- Staged rollouts. The row is the rollout's current state (saved at every step); transitions are
-- also journaled, measurements and transitions are kept in full for the status and the dashboard.
CREATE TABLE rollouts (
  id                   TEXT    PRIMARY KEY,   -- {policy}-{n}; also the bucketing salt
  policy               TEXT    NOT NULL REFERENCES policies (name),
  n                    INTEGER NOT NULL,      -- the policy's n-th rollout
  active               BOOLEAN NOT NULL,      -- until a terminal phase
  phase                TEXT    NOT NULL,
  stage_index          INTEGER NOT NULL,
  stage_started_at     BIGINT  NOT NULL,      -- epoch milliseconds
  analysis_started_at  BIGINT  NOT NULL,
  reason               TEXT    NOT NULL,
  spec                 TEXT    NOT NULL,      -- stages, analysis, onFailure, author, selfApproval (JSON)
  analysis             TEXT    NOT NULL,      -- the current stage's evidence (JSON)
  baseline_version     INTEGER NOT NULL,
  baseline_hash        TEXT    NOT NULL,
  candidate            TEXT    NOT NULL,      -- canonical JSON
  candidate_hash       TEXT    NOT NULL,
  change_kind          TEXT    NOT NULL,      -- patch | replace
  change_reason        TEXT,
  completed_version    INTEGER,
  created_at           BIGINT  NOT NULL,
  updated_at           BIGINT  NOT NULL,
  UNIQUE (policy, n)
);
-- at most one active rollout per policy, enforced by the database
CREATE UNIQUE INDEX rollouts_one_active ON rollouts (policy) WHERE active;

CREATE TABLE rollout_measurements (
  rollout_id   TEXT    NOT NULL REFERENCES rollouts (id),
  n            INTEGER NOT NULL,
  at           BIGINT  NOT NULL,
  stage_index  INTEGER NOT NULL,
  verdict      TEXT    NOT NULL,
  judged       TEXT    NOT NULL,              -- value, samples, reason (JSON)
  PRIMARY KEY (rollout_id, n)
);

CREATE TABLE rollout_transitions (
  rollout_id   TEXT    NOT NULL REFERENCES rollouts (id),
  n            INTEGER NOT NULL,
  at           BIGINT  NOT NULL,
  journal_seq  BIGINT  NOT NULL,
  type         TEXT    NOT NULL,              -- the journal entry type, e.g. rollout.advanced
  actor        TEXT    NOT NULL,
  payload      TEXT    NOT NULL,              -- the journal entry's payload
  PRIMARY KEY (rollout_id, n)
);

-- Outcome counters reported by applications, per second of arrival, so that an analysis can sum
-- exactly the requests since it began.
CREATE TABLE rollout_outcomes (
  rollout_id   TEXT    NOT NULL REFERENCES rollouts (id),
  variant      TEXT    NOT NULL,              -- baseline | candidate
  bucket       BIGINT  NOT NULL,              -- epoch second of arrival
  success      BIGINT  NOT NULL,
  error        BIGINT  NOT NULL,
  PRIMARY KEY (rollout_id, variant, bucket)
);
