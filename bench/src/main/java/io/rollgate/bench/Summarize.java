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
 * Turns the JMH JSON of a {@link JournalThroughputBenchmark} run (and optionally the
 * {@link JournalLatency} JSON) into the Markdown tables of docs/BENCHMARKS.md: per dialect, the
 * median of the measured iterations with their range, JMH's mean ± 99.9% error, and the ratios
 * against the targets (journal ≥ 50× naive, ≥ 0.5× raw).
 *
 * <pre>java -cp bench/target/benchmarks.jar io.rollgate.bench.Summarize journal-throughput.json [journal-latency.json]</pre>
 */
public final class Summarize {
  private Summarize() {}

  record Score(double median, double min, double max, double mean, double error, int n) {}

  public static void main(String[] args) throws IOException {
    JsonNode runs = Json.mapper().readTree(Files.readString(Path.of(args[0])));
    Map<String, Map<String, Score>> byDialect = new LinkedHashMap<>();
    for (JsonNode run : runs) {
      String method = run.path("benchmark").asText().replaceAll(".*\\.", "");
      String dialect = run.path("params").path("dialect").asText();
      JsonNode metric = run.path("primaryMetric");
      String label = method;
      if (method.equals("rawBatchedInsert")) {
        metric = run.path("secondaryMetrics").path("rows");
        label = method + " (" + run.path("params").path("rawBatch").asText() + " rows/commit)";
      }
      byDialect.computeIfAbsent(dialect, d -> new LinkedHashMap<>()).put(label, score(metric));
    }
    for (var d : byDialect.entrySet()) {
      System.out.printf("%n#### %s%n%n", d.getKey());
      System.out.println("| benchmark | median (entries/s) | iterations min – max | JMH mean ± 99.9% error |");
      System.out.println("|---|---:|---:|---:|");
      for (var e : d.getValue().entrySet()) {
        Score s = e.getValue();
        System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f – %,.0f | %,.0f ± %,.0f |%n", e.getKey(), s.median(),
            s.min(), s.max(), s.mean(), s.error());
      }
      Score journal = d.getValue().get("journal");
      Score naive = d.getValue().get("naiveTxPerEntry");
      if (journal == null) {
        continue;
      }
      System.out.println();
      System.out.println("| ratio (medians) | value | target | met? |");
      System.out.println("|---|---:|---:|---|");
      if (naive != null) {
        double r = journal.median() / naive.median();
        System.out.printf(Locale.ROOT, "| journal / naive (a) | %.1f× | ≥ 50× | %s |%n", r, r >= 50 ? "yes" : "**no**");
      }
      for (var e : d.getValue().entrySet()) {
        if (e.getKey().startsWith("rawBatchedInsert")) {
          double r = journal.median() / e.getValue().median();
          System.out.printf(Locale.ROOT, "| journal / raw (b), %s | %.2f× | ≥ 0.5× | %s |%n",
              e.getKey().replace("rawBatchedInsert ", ""), r, r >= 0.5 ? "yes" : "**no**");
        }
      }
    }
    if (args.length > 1) {
      JsonNode lat = Json.mapper().readTree(Files.readString(Path.of(args[1])));
      System.out.printf("%n#### Acknowledgement latency at half the maximum rate (open loop)%n%n");
      System.out.println("| dialect | max rate (closed loop) | offered = achieved | average batch | p50 | p90 | p99 | p99.9 | max |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (JsonNode r : lat) {
        JsonNode ms = r.path("latencyFromIntendedStartMs");
        System.out.printf(Locale.ROOT, "| %s | %,.0f/s | %,.0f/s = %,.0f/s | %.1f | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n",
            r.path("dialect").asText(), r.path("maxRateOpsPerSec").asDouble(), r.path("targetRateOpsPerSec").asDouble(),
            r.path("achievedRateOpsPerSec").asDouble(), r.path("averageBatch").asDouble(), ms.path("p50").asDouble(),
            ms.path("p90").asDouble(), ms.path("p99").asDouble(), ms.path("p999").asDouble(), ms.path("max").asDouble());
      }
    }
  }

  private static Score score(JsonNode metric) {
    List<Double> values = new ArrayList<>();
    for (JsonNode fork : metric.path("rawData")) {
      for (JsonNode v : fork) {
        values.add(v.asDouble());
      }
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double median = v.length == 0 ? Double.NaN
        : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    return new Score(median, v.length == 0 ? Double.NaN : v[0], v.length == 0 ? Double.NaN : v[v.length - 1],
        metric.path("score").asDouble(), metric.path("scoreError").asDouble(), v.length);
  }
}
