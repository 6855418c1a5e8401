package io.rollgate.rollout.judge;

import io.rollgate.error.InvalidInputException;
import java.time.Instant;

/**
 * The outcomes of one closed time bucket (e.g. 10 s) of a rollout, per cohort: what every judge and
 * the SRM check read. Buckets are fed in time order; a bucket is only ever fed once it is closed, so
 * candidate and baseline counts cover the same span (no partial-bucket skew).
 *
 * @param start when the bucket began (its end is the next bucket's start)
 * @param stageIndex the stage the rollout was in during the bucket
 * @param candidateShareBasisPoints the candidate's configured share during the bucket, 0..10000 —
 *     what the SRM check expects; the judges use the <em>realised</em> split instead
 */
public record Bucket(Instant start, int stageIndex, int candidateShareBasisPoints, long candidateRequests,
    long candidateErrors, long baselineRequests, long baselineErrors) {
  public Bucket {
    if (start == null) {
      throw new InvalidInputException("bucket.start", "a bucket needs its start instant");
    }
    if (stageIndex < 0) {
      throw new InvalidInputException("bucket.stageIndex", "bucket.stageIndex must be ≥ 0, got " + stageIndex);
    }
    if (candidateShareBasisPoints < 0 || candidateShareBasisPoints > 10_000) {
      throw new InvalidInputException("bucket.candidateShareBasisPoints",
          "bucket.candidateShareBasisPoints must be between 0 and 10000, got " + candidateShareBasisPoints);
    }
    requireCounts("candidate", candidateRequests, candidateErrors);
    requireCounts("baseline", baselineRequests, baselineErrors);
  }

  /** Requests in both cohorts. */
  public long requests() {
    return candidateRequests + baselineRequests;
  }

  /** The configured candidate share as a fraction, 0..1. */
  public double candidateShare() {
    return candidateShareBasisPoints / 10_000.0;
  }

  private static void requireCounts(String cohort, long requests, long errors) {
    if (requests < 0 || errors < 0 || errors > requests) {
      throw new InvalidInputException("bucket." + cohort + "Errors", cohort + " counts must satisfy 0 ≤ errors ≤ "
          + "requests, got errors " + errors + ", requests " + requests);
    }
  }
}
