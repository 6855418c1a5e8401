package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.time.Instant;

/** One look at the candidate's health, as a provider took it at {@link #at()}. */
public sealed interface Measurement {
  Instant at();

  /**
   * An error rate. {@code samples} is the number of requests behind it, or {@link #UNKNOWN_SAMPLES}
   * when the provider only yields a ratio (a PromQL scalar); minSamples applies only to known counts.
   */
  record Value(Instant at, double errorRate, long samples) implements Measurement {
    public static final long UNKNOWN_SAMPLES = -1;

    public Value {
      requireAt(at);
      if (!(errorRate >= 0) || Double.isInfinite(errorRate)) {
        throw new InvalidInputException("errorRate", "errorRate must be a finite number ≥ 0, got " + errorRate);
      }
      if (samples < UNKNOWN_SAMPLES) {
        throw new InvalidInputException("samples", "samples must be ≥ 0 (or -1 for unknown), got " + samples);
      }
    }

    /** From outcome counters; zero requests is {@link NoData}, not a 0% error rate. */
    public static Measurement ofCounts(Instant at, long errors, long total) {
      if (errors < 0 || total < 0 || errors > total) {
        throw new InvalidInputException("errors",
            "outcome counts must satisfy 0 ≤ errors ≤ total, got errors " + errors + ", total " + total);
      }
      if (total == 0) {
        return new NoData(at, "no requests reported for the candidate");
      }
      return new Value(at, (double) errors / total, total);
    }

    /** From a provider's scalar: NaN (0/0, no traffic) is {@link NoData}; negative or infinite is an error. */
    public static Measurement ofRatio(Instant at, double value) {
      if (Double.isNaN(value)) {
        return new NoData(at, "the query returned NaN (no traffic?)");
      }
      if (value < 0 || Double.isInfinite(value)) {
        return new ProviderError(at, "the query returned " + value + ", not an error rate ≥ 0");
      }
      return new Value(at, value, UNKNOWN_SAMPLES);
    }

    public boolean samplesKnown() {
      return samples != UNKNOWN_SAMPLES;
    }
  }

  /**
   * A judge's comparison of the candidate with the baseline (the outcomes provider), with the numbers it
   * rests on. The reconciler takes the judge's verdict, adds the stage's ceiling and minSamples
   * ({@link Judged#of}), and holds the rollout on a sample ratio mismatch.
   *
   * @param judge the judge's name ({@code sequential}, …)
   * @param verdict the judge's own verdict: PASS, FAIL or INCONCLUSIVE (never ERROR)
   * @param statistic what the judge computed (M, a bound, an error rate …); NaN when it got no number
   * @param threshold what the statistic was compared with; NaN when none
   * @param sentence the judge's sentence, with the numbers
   * @param stage the counts of the current analysis (since the stage began, or the rollout resumed)
   * @param split the sample-ratio check of the current analysis
   */
  record Comparison(Instant at, String judge, Verdict verdict, double statistic, double threshold, String sentence,
      Counts stage, Split split) implements Measurement {
    public Comparison {
      requireAt(at);
      Text.requireText("judge", judge, 64);
      if (verdict == null || verdict == Verdict.ERROR) {
        throw new InvalidInputException("verdict", "a comparison's verdict is PASS, FAIL or INCONCLUSIVE, got "
            + verdict);
      }
      Text.requireText("sentence", sentence, 2_000);
      if (stage == null || split == null) {
        throw new InvalidInputException("stage", "a comparison needs the stage's counts and its split check");
      }
    }

    /** The candidate's error rate in the current analysis; NaN without candidate requests. */
    public double candidateErrorRate() {
      return stage.candidateRequests() == 0 ? Double.NaN : (double) stage.candidateErrors() / stage.candidateRequests();
    }
  }

  /** Requests and errors per cohort. */
  record Counts(long candidateRequests, long candidateErrors, long baselineRequests, long baselineErrors) {
    public Counts {
      if (candidateRequests < 0 || candidateErrors < 0 || candidateErrors > candidateRequests
          || baselineRequests < 0 || baselineErrors < 0 || baselineErrors > baselineRequests) {
        throw new InvalidInputException("counts", "cohort counts must satisfy 0 ≤ errors ≤ requests, got candidate "
            + candidateErrors + "/" + candidateRequests + ", baseline " + baselineErrors + "/" + baselineRequests);
      }
    }
  }

  /**
   * The sample-ratio-mismatch check (χ² of the realised split against the stages' shares).
   *
   * @param status {@code healthy}, {@code mismatch} or {@code too_few_requests}
   * @param expectedCandidate the candidate requests the stages' shares predict
   * @param requests requests in both cohorts
   */
  record Split(String status, double chiSquare, double pValue, long observedCandidate, double expectedCandidate,
      long requests, String sentence) {
    public static final String HEALTHY = "healthy";
    public static final String MISMATCH = "mismatch";
    public static final String TOO_FEW = "too_few_requests";

    public Split {
      if (!HEALTHY.equals(status) && !MISMATCH.equals(status) && !TOO_FEW.equals(status)) {
        throw new InvalidInputException("split.status", "split.status must be healthy, mismatch or "
            + "too_few_requests, got " + status);
      }
      Text.requireText("split.sentence", sentence, 2_000);
    }

    public boolean isMismatch() {
      return MISMATCH.equals(status);
    }
  }

  /** Nothing to judge (no series, no requests). Inconclusive, never a pass. */
  record NoData(Instant at, String why) implements Measurement {
    public NoData {
      requireAt(at);
      Text.requireText("why", why, 1_000);
    }
  }

  /** The measurement could not be taken (provider unreachable, bad answer). Never a failure. */
  record ProviderError(Instant at, String why) implements Measurement {
    public ProviderError {
      requireAt(at);
      Text.requireText("why", why, 1_000);
    }
  }

  private static void requireAt(Instant at) {
    if (at == null) {
      throw new InvalidInputException("at", "a measurement needs the instant it was taken");
    }
  }
}
