package io.rollgate.rollout;

import java.util.Objects;

/**
 * Which subjects a rollout gives the candidate (DESIGN.md §1): {@code murmur3_32("{salt}:{subjectKey}")}
 * as an unsigned number, mod 10,000, is the subject's bucket; it gets the candidate when its bucket
 * is below the stage's basis points. The salt is fixed for the whole rollout, so raising the
 * percentage only adds subjects and stepping back removes exactly the newest cohort. A missing or
 * blank subject key always gets the baseline: never random, and never the candidate, even at 100%.
 */
public final class Bucketing {
  /** Basis points in 100%: percentages have two decimals of precision. */
  public static final int BASIS_POINTS = 10_000;

  private Bucketing() {}

  /** The subject's bucket in [0, 10000). */
  public static int bucket(String salt, String subjectKey) {
    Objects.requireNonNull(salt, "salt");
    Objects.requireNonNull(subjectKey, "subjectKey");
    int h = Murmur3.hash32Utf8(salt, ':', subjectKey, 0);
    return (int) (Integer.toUnsignedLong(h) % BASIS_POINTS);
  }

  /** True when {@code subjectKey} is in the candidate cohort at {@code basisPoints} (0 to 10000). */
  public static boolean inCandidate(String salt, String subjectKey, int basisPoints) {
    if (basisPoints < 0 || basisPoints > BASIS_POINTS) {
      throw new IllegalArgumentException("basisPoints must be between 0 and " + BASIS_POINTS + ", got " + basisPoints);
    }
    if (subjectKey == null || subjectKey.isBlank()) {
      return false;
    }
    return bucket(salt, subjectKey) < basisPoints;
  }
}
