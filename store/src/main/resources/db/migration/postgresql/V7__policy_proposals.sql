-- Apply statistics (issue 5, origin document 002): one row per change proposed through the apply
-- pipeline, written in the same transaction as its journal entry (policy.applied, policy.skipped or
-- policy.rejected, seq = journal_seq). A derived index over the journal for fast windows and sessions.
CREATE TABLE policy_proposals (
  journal_seq  BIGINT PRIMARY KEY,
  policy       TEXT    NOT NULL,
  recorded_at  BIGINT  NOT NULL,      -- epoch milliseconds
  session      TEXT,                  -- the soak session tag, if the proposer gave one
  signature    TEXT,                  -- SHA-256 of what was proposed (merge patch or document)
  outcome      TEXT    NOT NULL       -- applied | skipped | failed
);
CREATE INDEX policy_proposals_time ON policy_proposals (policy, recorded_at, journal_seq);
CREATE INDEX policy_proposals_session ON policy_proposals (policy, session, journal_seq);
