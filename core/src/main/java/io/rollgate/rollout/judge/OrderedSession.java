package io.rollgate.rollout.judge;

import io.rollgate.error.InvalidInputException;
import io.rollgate.rollout.Verdict;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A session that refuses buckets out of time order (a replay bug would otherwise skew every judge), and
 * computes its numbers once per check: {@link #check} and {@link #verdict} share {@link #evaluate}, and
 * only {@link #check} pays for the sentence.
 */
abstract class OrderedSession implements Judge.Session {
  private final String judge;
  private Instant last;

  OrderedSession(String judge) {
    this.judge = judge;
  }

  /** The numbers of one check; the sentence is only built when asked for. */
  record Evaluation(Verdict verdict, double statistic, double threshold, Supplier<String> reason) {}

  @Override
  public final void add(Bucket bucket) {
    Objects.requireNonNull(bucket, "bucket");
    if (last != null && !bucket.start().isAfter(last)) {
      throw new InvalidInputException("bucket.start", "buckets must be added in time order, once each: a bucket "
          + "starting " + bucket.start() + " came after one starting " + last);
    }
    last = bucket.start();
    accept(bucket);
  }

  @Override
  public final JudgeResult check(Instant now) {
    Evaluation e = evaluate(now);
    String reason = e.reason().get();
    return switch (e.verdict()) {
      case PASS -> new JudgeResult.Pass(judge, e.statistic(), e.threshold(), reason);
      case FAIL -> new JudgeResult.Fail(judge, e.statistic(), e.threshold(), reason);
      case INCONCLUSIVE, ERROR -> new JudgeResult.Inconclusive(judge, e.statistic(), e.threshold(), reason);
    };
  }

  @Override
  public final Verdict verdict(Instant now) {
    return evaluate(now).verdict();
  }

  abstract void accept(Bucket bucket);

  abstract Evaluation evaluate(Instant now);

  static Evaluation pass(double statistic, double threshold, Supplier<String> reason) {
    return new Evaluation(Verdict.PASS, statistic, threshold, reason);
  }

  static Evaluation fail(double statistic, double threshold, Supplier<String> reason) {
    return new Evaluation(Verdict.FAIL, statistic, threshold, reason);
  }

  static Evaluation inconclusive(double statistic, double threshold, Supplier<String> reason) {
    return new Evaluation(Verdict.INCONCLUSIVE, statistic, threshold, reason);
  }
}
