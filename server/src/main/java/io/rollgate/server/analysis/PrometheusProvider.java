package io.rollgate.server.analysis;

import io.rollgate.error.InvalidInputException;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.Measurement;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code prometheus} analysis provider: renders the rollout's PromQL template with the
 * rollout's {@code {{policy}}}, {@code {{rollout}}}, {@code {{stage}}} and {@code {{variant}}}
 * (always {@code candidate}) and runs it as an instant query at the loop's {@code now}. One number is
 * an error rate; no series or NaN (0/0: no traffic) is no data; anything else — several series, a
 * refused query, Prometheus down or slower than the query timeout — is a provider error, which
 * counts toward consecutiveErrorLimit and never as a failure or a pass.
 *
 * <p>The measurement's instant is {@code now}, not Prometheus's sample time, so the reconciler judges
 * it against its own clock. The query's own range (e.g. {@code [5m]}) is its window; the provider does
 * not use the target's analysisStartedAt. Thread-safe: one shared HTTP client, no other state.
 */
public final class PrometheusProvider implements AnalysisProvider {
  public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(10);
  /** The cohort the analysis measures. */
  static final String VARIANT = "candidate";
  static final List<String> PLACEHOLDERS = List.of("policy", "rollout", "stage", "variant");
  private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** Anything shaped like a placeholder, also names that render() would leave in the query as text. */
  private static final Pattern PLACEHOLDER_LIKE = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_.-]*)\\s*}}");
  /** Measurement reasons are at most 1,000 characters. */
  private static final int MAX_WHY = 1_000;

  private final HttpClient http;
  private final Duration queryTimeout;

  /** With {@link #DEFAULT_QUERY_TIMEOUT}. */
  public PrometheusProvider() {
    this(DEFAULT_QUERY_TIMEOUT);
  }

  /** @param queryTimeout how long one query may take, connecting included, before it is a provider error */
  public PrometheusProvider(Duration queryTimeout) {
    if (queryTimeout == null || queryTimeout.isNegative() || queryTimeout.isZero()) {
      throw new IllegalArgumentException("queryTimeout must be positive, got " + queryTimeout);
    }
    this.queryTimeout = queryTimeout;
    this.http = HttpClient.newBuilder()
        .connectTimeout(queryTimeout.compareTo(MAX_CONNECT_TIMEOUT) < 0 ? queryTimeout : MAX_CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  @Override
  public Measurement measure(Target target, Instant now) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(now, "now");
    AnalysisSettings s = target.settings();
    if (s.provider() != AnalysisSettings.Provider.PROMETHEUS) {
      return new Measurement.ProviderError(now, "rollout " + target.rolloutId() + " is analysed by the "
          + s.provider() + " provider, not by prometheus");
    }
    String promql;
    try {
      promql = PrometheusQuery.render(s.query(), Map.of("policy", target.policy(), "rollout", target.rolloutId(),
          "stage", target.stageName(), "variant", VARIANT));
    } catch (IllegalArgumentException e) {
      return error(now, s.prometheusUrl(), "analysis.query cannot be rendered: " + e.getMessage());
    }
    PrometheusQuery.Result r;
    try {
      r = new PrometheusQuery(http, s.prometheusUrl(), queryTimeout).instant(promql, now);
    } catch (RuntimeException e) {
      // instant() maps whatever Prometheus does; this is for the unforeseen (a URL the client refuses),
      // which must pause this rollout with a reason rather than break the loop for every rollout
      r = new PrometheusQuery.Result.Error("querying Prometheus failed: " + e);
    }
    return switch (r) {
      case PrometheusQuery.Result.Value v -> Measurement.Value.ofRatio(now, v.value());
      case PrometheusQuery.Result.NoData n -> new Measurement.NoData(now, clip(n.why()));
      case PrometheusQuery.Result.Error e -> error(now, s.prometheusUrl(), e.why());
    };
  }

  /**
   * Refuses a query template that uses a placeholder other than {@code {{policy}}}, {@code {{rollout}}},
   * {@code {{stage}}} and {@code {{variant}}} — also one that rendering would leave as literal text, such
   * as {@code {{rollout_id}}}, which would silently match nothing and never let the rollout pass.
   *
   * @throws InvalidInputException on field {@code analysis.query}, naming the unknown placeholders (a 400)
   */
  public static void validateTemplate(String query) {
    if (query == null || query.isBlank()) {
      throw new InvalidInputException("analysis.query", "analysis.query is required when provider is prometheus");
    }
    Set<String> unknown = new TreeSet<>();
    Matcher m = PLACEHOLDER_LIKE.matcher(query);
    while (m.find()) {
      if (!PLACEHOLDERS.contains(m.group(1))) {
        unknown.add("{{" + m.group(1) + "}}");
      }
    }
    if (!unknown.isEmpty()) {
      throw new InvalidInputException("analysis.query", "analysis.query uses unknown placeholder"
          + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
          + "; known: {{policy}}, {{rollout}}, {{stage}}, {{variant}}");
    }
  }

  /** A provider error. The URL in its reason carries no credentials: AnalysisSettings refuses them. */
  private static Measurement error(Instant now, URI base, String why) {
    return new Measurement.ProviderError(now, clip(why));
  }

  /** Prometheus's messages can echo a long query; a measurement's reason holds at most {@link #MAX_WHY}. */
  static String clip(String why) {
    if (why.length() <= MAX_WHY) {
      return why;
    }
    int end = MAX_WHY - 1;
    if (Character.isHighSurrogate(why.charAt(end - 1))) {
      end--;
    }
    return why.substring(0, end) + "…";
  }
}
