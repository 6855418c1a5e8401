-- Promotions that proceed as a staged rollout, and promotions watched after they apply (issue 5).
-- rollout_id: the rollout a promotion created; the promotion is 'rolling_out' until it ends, then
-- follows it (completed → promoted, rolled back → rolled_back with a learned scenario, aborted).
ALTER TABLE promotions ADD COLUMN rollout_id TEXT REFERENCES rollouts (id);
-- watch: the provider settings and thresholds (JSON); watch_until: epoch milliseconds after which the
-- promotion is final. Both null for a promotion without a watch.
ALTER TABLE promotions ADD COLUMN watch TEXT;
ALTER TABLE promotions ADD COLUMN watch_until BIGINT;
-- the last watch reading (JSON), shown in the promotion; not journaled unless it rolls back
ALTER TABLE promotions ADD COLUMN watch_last TEXT;
CREATE INDEX promotions_rollout ON promotions (rollout_id);
