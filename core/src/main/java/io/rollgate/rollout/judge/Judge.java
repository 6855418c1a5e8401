package io.rollgate.rollout.judge;

import io.rollgate.rollout.Verdict;
import java.time.Instant;
import java.util.List;

/**
 * Decides whether a rollout's candidate is worse than its baseline, from the per-bucket counts of both
 * cohorts. Judges are immutable values (their settings); the evidence lives in a {@link Session}, fed
 * bucket by bucket, so a check costs O(1) or O(window) however long the rollout has run.
 *
 * <p>After a restart, rebuild a session by feeding it the stored buckets in order: a session's answer at
 * {@code now} depends only on the buckets fed and on {@code now}, never on when earlier checks ran.
 * {@link #judge(List, JudgeContext, Instant)} does exactly that in one call.
 */
public sealed interface Judge
    permits ThresholdJudge, SequentialJudge, GrowthBookJudge, KayentaJudge, PeekingJudge {

  /** {@code sequential}, {@code threshold}, … as {@link Judges#parse} reads it. */
  String name();

  /** The judge with its settings, e.g. "sequential (α 0.05, δ 0)". */
  String describe();

  /** A new, empty session; not thread-safe (one rollout's loop feeds it). */
  Session session(JudgeContext ctx);

  /** Judges a whole history at once: a fresh session fed {@code history} in order, asked at {@code now}. */
  default JudgeResult judge(List<Bucket> history, JudgeContext ctx, Instant now) {
    Session s = session(ctx);
    for (Bucket b : history) {
      s.add(b);
    }
    return s.check(now);
  }

  /** The running evidence of one rollout under one judge. */
  interface Session {
    /**
     * Adds the next closed bucket. Buckets must come in time order (a start before the previous
     * bucket's is refused); empty buckets may be skipped.
     */
    void add(Bucket bucket);

    /** The verdict at {@code now} over every bucket added so far (the window judges: the recent ones). */
    JudgeResult check(Instant now);

    /**
     * {@code check(now).verdict()} without building the sentence: for loops that check very often (the
     * simulator checks ~10⁷ times per grid).
     */
    Verdict verdict(Instant now);
  }
}
