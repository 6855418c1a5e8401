package io.rollgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of docs/BENCHMARKS.md from a {@link SdkEvaluationBenchmark} JMH JSON result: per method
 * the median over forks of each fork's mean ns/op (and the forks' range), the median B/op
 * ({@code gc.alloc.rate.norm}), and the ratios the issue sets targets for.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.rollgate.bench.SdkSummary sdk-evaluation.json</pre>
 */
public final class SdkSummary {
  record Row(String method, double median, double min, double max, double bytesPerOp, int forks) {}

  private SdkSummary() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: SdkSummary <jmh result json>");
      System.exit(2);
    }
    System.out.print(render(rows(Json.mapper().readTree(Files.readString(Path.of(args[0]))))));
  }

  static Map<String, Row> rows(JsonNode results) {
    Map<String, Row> rows = new LinkedHashMap<>();
    for (JsonNode r : results) {
      String name = r.path("benchmark").asText();
      String method = name.substring(name.lastIndexOf('.') + 1);
      double[] forks = forkMeans(r.path("primaryMetric").path("rawData"));
      double[] bytes = forkMeans(r.path("secondaryMetrics").path("gc.alloc.rate.norm").path("rawData"));
      rows.put(method, new Row(method, median(forks), forks.length == 0 ? Double.NaN : forks[0],
          forks.length == 0 ? Double.NaN : forks[forks.length - 1], median(bytes), forks.length));
    }
    return rows;
  }

  static String render(Map<String, Row> rows) {
    var s = new StringBuilder();
    s.append("| method | ns/op (median of fork means) | forks min – max | B/op |\n|---|---:|---:|---:|\n");
    for (Row r : rows.values()) {
      s.append(String.format(Locale.ROOT, "| `%s` | %.1f | %.1f – %.1f | %.1f |%n", r.method(), r.median(), r.min(),
          r.max(), r.bytesPerOp()));
    }
    Row rollgate = rows.get("rollgateEvaluate");
    Row getter = rows.get("rollgateGetBooleanNestedPath");
    Row floor = rows.get("murmur3Floor");
    if (rollgate != null) {
      s.append("\n| ratio (medians) | evaluate | getBoolean(nested path) | target |\n|---|---:|---:|---|\n");
      ratio(s, "Unleash isEnabled / Rollgate", rows.get("unleashIsEnabled"), rollgate, getter, "≥ 10×");
      ratio(s, "Unleash isEnabled, prebuilt context / Rollgate", rows.get("unleashIsEnabledPrebuiltContext"), rollgate,
          getter, "");
      ratio(s, "LaunchDarkly boolVariation / Rollgate", rows.get("launchDarklyBoolVariation"), rollgate, getter,
          "≥ 10×");
      ratio(s, "LaunchDarkly, prebuilt context / Rollgate", rows.get("launchDarklyBoolVariationPrebuiltContext"),
          rollgate, getter, "");
      if (floor != null) {
        s.append(String.format(Locale.ROOT, "| Rollgate / bare MurmurHash3 | %.2f× | %.2f× | ≤ 2× |%n",
            rollgate.median() / floor.median(), getter == null ? Double.NaN : getter.median() / floor.median()));
      }
    }
    return s.toString();
  }

  private static void ratio(StringBuilder s, String label, Row peer, Row rollgate, Row getter, String target) {
    if (peer == null) {
      return;
    }
    s.append(String.format(Locale.ROOT, "| %s | %.1f× | %.1f× | %s |%n", label, peer.median() / rollgate.median(),
        getter == null ? Double.NaN : peer.median() / getter.median(), target));
  }

  /** Each fork's mean over its measurement iterations, sorted. */
  private static double[] forkMeans(JsonNode rawData) {
    List<Double> means = new ArrayList<>();
    for (JsonNode fork : rawData) {
      double sum = 0;
      int n = 0;
      for (JsonNode v : fork) {
        sum += v.asDouble();
        n++;
      }
      if (n > 0) {
        means.add(sum / n);
      }
    }
    return means.stream().mapToDouble(Double::doubleValue).sorted().toArray();
  }

  private static double median(double[] sorted) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }
}
