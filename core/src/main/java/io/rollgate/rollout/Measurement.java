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
