package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import io.rollgate.rollout.judge.JudgeSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * How a rollout's stages are measured and judged. Limits follow Argo Rollouts with a strict
 * {@code >}: the analysis has failed when {@code failures > failureLimit} (0 = the first failure;
 * -1 = never), and errs when {@code consecutiveErrors > consecutiveErrorLimit} (4 = the fifth error in
 * a row). A provider error is never a failure; no data is never a pass.
 *
 * @param interval time between measurements; also the grace after a stage's minimum duration before
 *     a stage without a pass pauses, and how old a pass may be and still count
 * @param minSamples a measurement over fewer requests than this is inconclusive
 * @param prometheusUrl base URL of Prometheus; only with {@link Provider#PROMETHEUS}, else null
 * @param query instant PromQL query yielding one scalar; only with {@link Provider#PROMETHEUS}, else null
 * @param judge how a measurement is judged ({@code analysis.judge}, {@code analysis.alpha},
 *     {@code analysis.delta}). Null takes the provider's default: {@code sequential} for
 *     {@link Provider#OUTCOMES}, which compares the candidate with the baseline side by side;
 *     {@code threshold} for {@link Provider#PROMETHEUS}, whose query yields only the candidate's error
 *     rate, so it accepts no other judge
 */
public record AnalysisSettings(Provider provider, Duration interval, int minSamples, int failureLimit,
    int consecutiveErrorLimit, URI prometheusUrl, String query, JudgeSettings judge) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(900);
  public static final Duration MAX_INTERVAL = Duration.ofDays(1);
  public static final int DEFAULT_MIN_SAMPLES = 100;
  public static final int DEFAULT_FAILURE_LIMIT = 0;
  public static final int DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;
  public static final int MAX_LIMIT = 1_000;
  public static final int MAX_QUERY_LENGTH = 4_096;

  /** The judge of a Prometheus rollout: the stage's maxErrorRate on the query's scalar. */
  public static final JudgeSettings THRESHOLD = new JudgeSettings("threshold", JudgeSettings.DEFAULT_ALPHA,
      JudgeSettings.DEFAULT_DELTA);

  /** outcomes provider, 900 s, 100 samples, failureLimit 0, consecutiveErrorLimit 4, the sequential judge. */
  public static final AnalysisSettings DEFAULT = outcomes(DEFAULT_INTERVAL);

  /** Where the numbers come from. */
  public enum Provider {
    /** Counters reported by applications ({@code POST /api/v1/outcomes}). */
    OUTCOMES,
    /** An instant PromQL query. */
    PROMETHEUS;

    public static Provider parse(String value) {
      if (value != null) {
        switch (value.toLowerCase(Locale.ROOT)) {
          case "outcomes": return OUTCOMES;
          case "prometheus": return PROMETHEUS;
          default: break;
        }
      }
      throw new InvalidInputException("analysis.provider", "analysis.provider must be 'outcomes' or "
          + "'prometheus', got " + (value == null ? "none" : "'" + value + "'"));
    }
  }

  public AnalysisSettings {
    if (provider == null) {
      throw new InvalidInputException("analysis.provider", "analysis.provider is required");
    }
    if (interval == null || interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
      throw new InvalidInputException("analysis.intervalSeconds", "analysis.intervalSeconds must be between 1 and "
          + MAX_INTERVAL.toSeconds() + ", got " + (interval == null ? "none" : interval.toSeconds()));
    }
    if (minSamples < 1 || minSamples > 1_000_000_000) {
      throw new InvalidInputException("analysis.minSamples",
          "analysis.minSamples must be between 1 and 1000000000, got " + minSamples);
    }
    if (failureLimit < -1 || failureLimit > MAX_LIMIT) {
      throw new InvalidInputException("analysis.failureLimit", "analysis.failureLimit must be between -1 "
          + "(never fail) and " + MAX_LIMIT + ", got " + failureLimit);
    }
    if (consecutiveErrorLimit < 0 || consecutiveErrorLimit > MAX_LIMIT) {
      throw new InvalidInputException("analysis.consecutiveErrorLimit",
          "analysis.consecutiveErrorLimit must be between 0 and " + MAX_LIMIT + ", got " + consecutiveErrorLimit);
    }
    if (provider == Provider.PROMETHEUS) {
      if (prometheusUrl == null || !prometheusUrl.isAbsolute() || prometheusUrl.getHost() == null
          || !("http".equals(prometheusUrl.getScheme()) || "https".equals(prometheusUrl.getScheme()))) {
        throw new InvalidInputException("analysis.prometheusUrl", "analysis.prometheusUrl must be an absolute "
            + "http(s) URL with a host when provider is prometheus, got "
            + (prometheusUrl == null ? "none" : "'" + prometheusUrl + "'"));
      }
      if (prometheusUrl.getRawUserInfo() != null) { // the spec is journaled and shown in every status
        throw new InvalidInputException("analysis.prometheusUrl", "analysis.prometheusUrl must not carry "
            + "credentials (user:password@): the URL is journaled and shown in the rollout's status");
      }
      Text.requireText("analysis.query", query, MAX_QUERY_LENGTH);
    } else if (prometheusUrl != null || query != null) {
      throw new InvalidInputException(prometheusUrl != null ? "analysis.prometheusUrl" : "analysis.query",
          "analysis.prometheusUrl and analysis.query only apply when provider is prometheus");
    }
    if (judge == null) {
      judge = provider == Provider.OUTCOMES ? JudgeSettings.DEFAULT : THRESHOLD;
    }
    if (provider == Provider.PROMETHEUS && !judge.isThreshold()) {
      throw new InvalidInputException("analysis.judge", "analysis.judge must be 'threshold' when provider is "
          + "prometheus, got '" + judge.judge() + "': the query yields only the candidate's error rate, and the "
          + "other judges compare the candidate with the baseline bucket by bucket (use the outcomes provider)");
    }
  }

  /** Settings with the provider's default judge. */
  public AnalysisSettings(Provider provider, Duration interval, int minSamples, int failureLimit,
      int consecutiveErrorLimit, URI prometheusUrl, String query) {
    this(provider, interval, minSamples, failureLimit, consecutiveErrorLimit, prometheusUrl, query, null);
  }

  /** The outcomes provider with default limits and the given interval. */
  public static AnalysisSettings outcomes(Duration interval) {
    return new AnalysisSettings(Provider.OUTCOMES, interval, DEFAULT_MIN_SAMPLES, DEFAULT_FAILURE_LIMIT,
        DEFAULT_CONSECUTIVE_ERROR_LIMIT, null, null);
  }

  public AnalysisSettings withLimits(int minSamples, int failureLimit, int consecutiveErrorLimit) {
    return new AnalysisSettings(provider, interval, minSamples, failureLimit, consecutiveErrorLimit,
        prometheusUrl, query, judge);
  }

  public AnalysisSettings withJudge(JudgeSettings j) {
    return new AnalysisSettings(provider, interval, minSamples, failureLimit, consecutiveErrorLimit,
        prometheusUrl, query, j);
  }

  /** True when {@code failures} breaches {@link #failureLimit} (strict {@code >}; -1 never). */
  public boolean failed(int failures) {
    return failureLimit >= 0 && failures > failureLimit;
  }

  /** True when {@code consecutiveErrors} breaches {@link #consecutiveErrorLimit} (strict {@code >}). */
  public boolean errored(int consecutiveErrors) {
    return consecutiveErrors > consecutiveErrorLimit;
  }
}
