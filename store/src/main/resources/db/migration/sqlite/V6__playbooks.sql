-- Playbooks (issue 6): executions of remediation actions on an incident, every change of their state
-- (also journaled as action.requested / action.approved / action.executed), and the incident bridge's
-- cursor into the journal.
CREATE TABLE playbook_executions (
  id                 INTEGER PRIMARY KEY,   -- 1, 2, …: assigned by the journal writer
  incident_id        INTEGER NOT NULL REFERENCES incidents (id),
  action             TEXT    NOT NULL,      -- rollback-rollout, pause-rollout, … (ActionType wire names)
  params             TEXT    NOT NULL,      -- JSON as validated; http-call header values are kept here to run
                                            -- after an approval, and are never journaled, logged or shown
  target             TEXT    NOT NULL,      -- rollout:ID, policy:NAME, http:HOST
  risk               TEXT    NOT NULL,      -- low | medium | high
  requester          TEXT    NOT NULL,
  reason             TEXT    NOT NULL,
  approver           TEXT,
  state              TEXT    NOT NULL,      -- requested | awaiting_approval | running | succeeded | failed | canceled | timed_out
  plan               TEXT    NOT NULL,      -- JSON: the plan it was requested with (changes, impact, approval)
  result             TEXT,                  -- JSON: what it did, or why it failed
  compensation       TEXT,                  -- JSON {action, params} that undoes it, captured when it ran; else null
  compensates        INTEGER REFERENCES playbook_executions (id),
  approval_deadline  INTEGER,               -- epoch milliseconds; past it, an unapproved execution is timed_out
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX playbook_executions_incident ON playbook_executions (incident_id, id);
CREATE INDEX playbook_executions_waiting ON playbook_executions (state, approval_deadline);
-- an execution is undone at most once: one live or successful compensation each
CREATE UNIQUE INDEX playbook_one_compensation ON playbook_executions (compensates)
  WHERE state IN ('requested', 'awaiting_approval', 'running', 'succeeded');

CREATE TABLE playbook_transitions (
  execution_id  INTEGER NOT NULL REFERENCES playbook_executions (id),
  n             INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  journal_seq   INTEGER NOT NULL,
  from_state    TEXT,                       -- null for the request
  to_state      TEXT    NOT NULL,
  actor         TEXT    NOT NULL,
  reason        TEXT    NOT NULL,
  PRIMARY KEY (execution_id, n)
);

-- How far the incident bridge has turned journal entries into signals: advanced in the same command as
-- each signal, so after a crash the bridge replays exactly the entries whose signals were not recorded.
CREATE TABLE incident_bridge_cursor (
  name  TEXT    PRIMARY KEY,
  seq   INTEGER NOT NULL
);
