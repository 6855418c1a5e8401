package io.rollgate.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code prometheus} analysis provider's client: one instant query that must yield one number.
 * What it can answer follows Argo Rollouts' rule that a provider error is never a failure and no
 * data is never a pass (issue 4): a scalar or a one-series vector is a {@link Result.Value}; an
 * empty vector or NaN is {@link Result.NoData}; anything else — several series, a string, a
 * query Prometheus refuses, Prometheus down or slow — is a {@link Result.Error}.
 */
public final class PrometheusQuery {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([a-zA-Z]+)\\s*}}");

  /** What one query gave. */
  public sealed interface Result {
    record Value(double value, Instant at) implements Result {}

    record NoData(String why) implements Result {}

    record Error(String why) implements Result {}
  }

  private final HttpClient http;
  private final URI base;
  private final Duration timeout;

  /** @param base Prometheus's URL, e.g. {@code http://prometheus:9090} (a path prefix is kept) */
  public PrometheusQuery(HttpClient http, URI base, Duration timeout) {
    this.http = Objects.requireNonNull(http, "http");
    this.base = Objects.requireNonNull(base, "base");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
      throw new IllegalArgumentException("prometheusUrl must be an http or https URL, got '" + base + "'");
    }
  }

  /**
   * Replaces {@code {{name}}} with {@code values.get(name)}, escaped for a PromQL string literal
   * (the placeholders stand inside label matchers such as {@code policy="{{policy}}"}), so a policy
   * name cannot change the query's shape. An unknown placeholder is refused, naming it.
   */
  public static String render(String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    var out = new StringBuilder();
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        throw new IllegalArgumentException("unknown placeholder {{" + m.group(1) + "}} in the query; known: "
            + String.join(", ", new java.util.TreeSet<>(values.keySet())));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v.replace("\\", "\\\\").replace("\"", "\\\"")
          .replace("\n", "\\n")));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Evaluates {@code promql} at {@code at} ({@code GET /api/v1/query}). Never throws for what Prometheus does. */
  public Result instant(String promql, Instant at) {
    String url = base.toString().replaceAll("/+$", "") + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&time=" + at.getEpochSecond() + "."
        + String.format("%03d", at.getNano() / 1_000_000);
    HttpResponse<String> r;
    try {
      r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result.Error("Prometheus at " + base + " is unreachable: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result.Error("interrupted while querying Prometheus");
    }
    JsonNode body;
    try {
      body = Json.mapper().readTree(r.body());
    } catch (IOException e) {
      return new Result.Error("Prometheus answered HTTP " + r.statusCode() + " with a body that is not JSON");
    }
    if (!"success".equals(body.path("status").asText())) {
      return new Result.Error("Prometheus refused the query (HTTP " + r.statusCode() + ", "
          + body.path("errorType").asText("?") + "): " + body.path("error").asText(""));
    }
    JsonNode data = body.path("data");
    JsonNode result = data.path("result");
    return switch (data.path("resultType").asText()) {
      case "scalar" -> number(result);
      case "vector" -> result.size() == 0
          ? new Result.NoData("the query returned no series")
          : result.size() > 1
              ? new Result.Error("the query returned " + result.size() + " series; it must yield one number "
                  + "(aggregate it, e.g. with sum(...))")
              : number(result.get(0).path("value"));
      default -> new Result.Error("the query returned a " + data.path("resultType").asText("?")
          + "; it must yield one number (a scalar or a single series)");
    };
  }

  /** A {@code [<unix time>, "<value>"]} pair. */
  private static Result number(JsonNode pair) {
    double t = pair.path(0).asDouble();
    String text = pair.path(1).asText();
    double v;
    try {
      v = Double.parseDouble(text.replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
    } catch (NumberFormatException e) {
      return new Result.Error("the query's value '" + text + "' is not a number");
    }
    if (Double.isNaN(v)) {
      return new Result.NoData("the query's value is NaN (no traffic: 0/0)");
    }
    if (Double.isInfinite(v)) {
      return new Result.Error("the query's value is infinite");
    }
    return new Result.Value(v, Instant.ofEpochMilli(Math.round(t * 1000)));
  }
}
