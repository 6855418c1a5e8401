package io.rollgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * SSE propagation under fan-out: with {@code --clients} subscribers connected to
 * {@code GET /api/v1/events} on loopback, how long from a change's commit until every subscriber
 * has its event, and how much server memory each connected subscriber costs.
 *
 * <p>Each run starts a fresh server as a separate JVM (embedded SQLite in a temporary directory),
 * creates a viewer token, makes {@value PropagationRun#POLICY} changes on a fixed schedule through
 * {@code POST /api/v1/policies/{name}/changes}, and records per (subscriber, event) the
 * {@link System#nanoTime} at receipt. The commit itself happens somewhere between the request being
 * sent and its response (the acknowledgement), so latency is reported from three points:
 * <ul>
 *   <li>"from send" over-states it by the whole request (parsing, guards, fsync, verification);
 *   <li>"from recordedAt" starts at the entry's own timestamp, taken by the journal writer just
 *       before it commits (wall clock, milliseconds; the wall clock is the same kernel clock in
 *       both processes): an upper bound that leaves out the HTTP request but keeps the commit;
 *   <li>"from ack" under-states it and can be negative (the event may overtake the HTTP response).
 * </ul>
 * Every subscriber must get every journal entry after its {@code Last-Event-ID} exactly once and
 * in order, or the run is reported incomplete.
 *
 * <p>Memory per subscriber is the growth of the server's reachable heap after a full GC
 * ({@code jcmd GC.class_histogram}) and of its RSS, from no subscriber to all connected, divided
 * by their number.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.rollgate.bench.EventPropagation
 *     [--clients 1000] [--events 500] [--interval-ms 20] [--warmup-events 50] [--runs 3]
 *     [--timeout-s 180] [--server-jar server/target/rollgate.jar] [--server-opts "-Xmx1g"]
 *     [--out bench/results/STAMP-sse] [--reader-threads NPROC] [--json]</pre>
 *
 * Exit status: 0 when every run delivered everything, 1 when a run was incomplete or failed, 2 for
 * bad arguments or too low an open-file limit.
 */
public final class EventPropagation {
  private EventPropagation() {}

  /**
   * @param clients concurrent SSE subscribers
   * @param events measured changes per run
   * @param warmupEvents changes made with everyone connected before the measured ones (not measured, but checked)
   * @param interval time between the starts of two changes
   * @param runTimeout bound on one whole run, server start to stop
   * @param serverJvmOptions options for the server JVM
   * @param json print the result document on stdout instead of the human summary
   * @param readerThreads platform threads that read all subscribers' sockets (default: one per CPU)
   */
  record Options(int clients, int events, int warmupEvents, Duration interval, int runs, Duration runTimeout,
      Path serverJar, List<String> serverJvmOptions, Path out, boolean json, int readerThreads) {
    Options {
      require(clients >= 1 && clients <= 20_000, "--clients must be between 1 and 20000, got " + clients);
      require(events >= 1 && events <= 100_000, "--events must be between 1 and 100000, got " + events);
      require(warmupEvents >= 0 && warmupEvents <= 100_000,
          "--warmup-events must be between 0 and 100000, got " + warmupEvents);
      require(!interval.isNegative() && interval.toMillis() <= 60_000,
          "--interval-ms must be between 0 and 60000, got " + interval.toMillis());
      require(runs >= 1 && runs <= 20, "--runs must be between 1 and 20, got " + runs);
      require(runTimeout.toSeconds() >= 10 && runTimeout.toSeconds() <= 3600,
          "--timeout-s must be between 10 and 3600, got " + runTimeout.toSeconds());
      require(readerThreads >= 1 && readerThreads <= 64, "--reader-threads must be between 1 and 64, got "
          + readerThreads);
      serverJvmOptions = List.copyOf(serverJvmOptions);
    }

    static Options parse(String[] args) {
      int clients = 1000;
      int events = 500;
      int warmup = 50;
      long intervalMs = 20;
      int runs = 1;
      long timeout = 180;
      Path jar = Path.of("server/target/rollgate.jar");
      String serverOpts = "-Xmx1g";
      Path out = null;
      boolean json = false;
      int readerThreads = Runtime.getRuntime().availableProcessors();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--json")) {
          json = true;
          continue;
        }
        require(i + 1 < args.length, a + " needs a value");
        String v = args[++i];
        switch (a) {
          case "--clients" -> clients = integer(a, v);
          case "--events" -> events = integer(a, v);
          case "--warmup-events" -> warmup = integer(a, v);
          case "--interval-ms" -> intervalMs = integer(a, v);
          case "--runs" -> runs = integer(a, v);
          case "--timeout-s" -> timeout = integer(a, v);
          case "--server-jar" -> jar = Path.of(v);
          case "--server-opts" -> serverOpts = v;
          case "--out" -> out = Path.of(v);
          case "--reader-threads" -> readerThreads = integer(a, v);
          default -> throw new IllegalArgumentException("unknown argument " + a);
        }
      }
      if (out == null) {
        out = Path.of("bench/results",
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC)) + "-sse");
      }
      List<String> opts = serverOpts.isBlank() ? List.of() : Arrays.asList(serverOpts.trim().split("\\s+"));
      return new Options(clients, events, warmup, Duration.ofMillis(intervalMs), runs, Duration.ofSeconds(timeout),
          jar, opts, out, json, readerThreads);
    }

    private static int integer(String name, String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be an integer, got '" + value + "'");
      }
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
      checkOpenFileLimit(o.clients());
    } catch (IllegalArgumentException e) {
      System.err.println("EventPropagation: " + e.getMessage());
      System.exit(2);
      return;
    }
    Files.createDirectories(o.out());
    Path java = Path.of(ProcessHandle.current().info().command()
        .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this harness")));
    List<ObjectNode> runs = new ArrayList<>();
    boolean allOk = true;
    for (int i = 1; i <= o.runs(); i++) {
      System.err.printf(Locale.ROOT, "run %d/%d: %d clients, %d events every %d ms…%n", i, o.runs(), o.clients(),
          o.events(), o.interval().toMillis());
      ObjectNode r;
      try {
        r = new PropagationRun(o, i, o.out(), java).execute();
      } catch (Exception e) {
        r = Json.object().put("run", i).put("error", e.toString());
      }
      allOk &= !r.has("error") && r.path("delivery").path("complete").asBoolean();
      System.err.println(runLine(r));
      runs.add(r);
    }
    ObjectNode doc = document(o, runs);
    String base = "sse-" + o.clients() + "c-" + o.interval().toMillis() + "ms";
    Files.writeString(o.out().resolve(base + ".json"), Json.mapper().writerWithDefaultPrettyPrinter()
        .writeValueAsString(doc) + "\n");
    String summary = summary(doc);
    Files.writeString(o.out().resolve(base + ".txt"), summary);
    if (o.json()) {
      System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
      System.err.print(summary);
    } else {
      System.out.print(summary);
    }
    System.err.println("results in " + o.out());
    System.exit(allOk ? 0 : 1);
  }

  /** Every subscriber holds a socket here and one in the server (the child inherits this limit). */
  private static void checkOpenFileLimit(int clients) {
    long needed = clients + 512L;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          if (!soft.equals("unlimited") && Long.parseLong(soft) < needed) {
            throw new IllegalArgumentException("the open-file limit is " + soft + " but " + clients
                + " clients need about " + needed + "; raise it first, e.g. ulimit -n 65536");
          }
        }
      }
    } catch (IOException e) {
      System.err.println("EventPropagation: cannot read /proc/self/limits (" + e.getMessage() + "); not checked");
    }
  }

  /** The numbers a reader compares, one median over the runs for each (JSON pointer into a run). */
  static final List<String> HEADLINE = List.of(
      "/allClientsFromSendMs/p50", "/allClientsFromSendMs/p90", "/allClientsFromSendMs/p99",
      "/allClientsFromSendMs/max",
      "/allClientsFromRecordedAtMs/p50", "/allClientsFromRecordedAtMs/p90", "/allClientsFromRecordedAtMs/p99",
      "/allClientsFromRecordedAtMs/max",
      "/allClientsFromAckMs/p50", "/allClientsFromAckMs/p90", "/allClientsFromAckMs/p99", "/allClientsFromAckMs/max",
      "/firstClientFromSendMs/p50", "/firstClientFromSendMs/p99",
      "/pairsFromSendMs/p50", "/pairsFromSendMs/p90", "/pairsFromSendMs/p99", "/pairsFromSendMs/max",
      "/pairsFromAckMs/p50", "/pairsFromAckMs/p99",
      "/ackMs/p50", "/ackMs/p99", "/ackNoSubscribersMs/p50", "/ackNoSubscribersMs/p99",
      "/serverCpuSeconds", "/harnessCpuSeconds", "/measuredSeconds", "/serverCpuMicrosPerDelivery",
      "/serverCpuPerChangeNoSubscribersMs", "/serverCpuMicrosPerDeliveryNet",
      "/memory/liveHeapPerClientBytes", "/memory/rssPerClientBytes",
      "/memory/idle/liveHeapBytes", "/memory/connected/liveHeapBytes", "/memory/afterDisconnect/liveHeapBytes",
      "/memory/idle/rssBytes", "/memory/connected/rssBytes",
      "/memory/idle/threads", "/memory/connected/threads",
      "/connectSeconds", "/writerLateMaxMs", "/achievedChangesPerSec");

  static ObjectNode document(Options o, List<ObjectNode> runs) {
    ObjectNode doc = Json.object();
    doc.put("benchmark", "sse-propagation").put("clients", o.clients()).put("events", o.events())
        .put("intervalMs", o.interval().toMillis()).put("warmupEvents", o.warmupEvents()).put("runs", runs.size())
        .put("serverJvmOptions", String.join(" ", o.serverJvmOptions()))
        .put("targetAllClientsP99Ms", 100);
    ObjectNode medians = doc.putObject("medians");
    List<ObjectNode> good = runs.stream().filter(r -> !r.has("error")).toList();
    for (String pointer : HEADLINE) {
      double[] values = good.stream().map(r -> r.at(pointer)).filter(JsonNode::isNumber)
          .mapToDouble(JsonNode::asDouble).sorted().toArray();
      if (values.length > 0) {
        medians.put(pointer, median(values));
      }
    }
    doc.put("completeRuns", good.stream().filter(r -> r.path("delivery").path("complete").asBoolean()).count());
    ArrayNode all = doc.putArray("perRun");
    runs.forEach(all::add);
    return doc;
  }

  static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String runLine(ObjectNode r) {
    if (r.has("error")) {
      return "  run " + r.path("run").asInt() + " FAILED: " + r.path("error").asText();
    }
    JsonNode d = r.path("delivery");
    return String.format(Locale.ROOT,
        "  run %d: every client had the event (from recordedAt) p50 %.1f ms, p99 %.1f ms, max %.1f ms; %s; "
            + "%.0f B heap and %.0f B RSS per client; load %s → %s",
        r.path("run").asInt(), r.at("/allClientsFromRecordedAtMs/p50").asDouble(),
        r.at("/allClientsFromRecordedAtMs/p99").asDouble(), r.at("/allClientsFromRecordedAtMs/max").asDouble(),
        d.path("complete").asBoolean() ? "delivery complete" : "DELIVERY INCOMPLETE " + d,
        r.at("/memory/liveHeapPerClientBytes").asDouble(), r.at("/memory/rssPerClientBytes").asDouble(),
        r.path("loadavgAtStart").asText(), r.path("loadavgAtEnd").asText());
  }

  static String summary(ObjectNode doc) {
    var s = new StringBuilder();
    JsonNode runs = doc.path("perRun");
    s.append(String.format(Locale.ROOT, "SSE propagation: %d clients, %d events %d ms apart, %d run(s); "
            + "median over runs [each run]%n", doc.path("clients").asInt(), doc.path("events").asInt(),
        doc.path("intervalMs").asInt(), doc.path("runs").asInt()));
    long failed = 0;
    for (JsonNode r : runs) {
      if (r.has("error")) {
        failed++;
        s.append("  run ").append(r.path("run").asInt()).append(" FAILED: ").append(r.path("error").asText())
            .append('\n');
      }
    }
    s.append(String.format(Locale.ROOT, "delivery: %d of %d run(s) complete (every client got every event once, in "
        + "order, with a well-formed payload)%n", doc.path("completeRuns").asLong(), doc.path("runs").asInt()));
    for (JsonNode r : runs) {
      JsonNode d = r.path("delivery");
      if (!r.has("error") && !d.path("complete").asBoolean()) {
        s.append("  run ").append(r.path("run").asInt()).append(": ").append(d).append('\n');
      }
    }
    if (failed == runs.size()) {
      return s.toString();
    }
    s.append("time until EVERY client had the event, per event:\n");
    row(s, doc, "  from request sent", "/allClientsFromSendMs", " ms");
    row(s, doc, "  from entry recordedAt", "/allClientsFromRecordedAtMs", " ms");
    row(s, doc, "  from response (ack)", "/allClientsFromAckMs", " ms");
    s.append("time until the FIRST client had it:\n");
    row(s, doc, "  from request sent", "/firstClientFromSendMs", " ms");
    s.append("each (client, event) pair:\n");
    row(s, doc, "  from request sent", "/pairsFromSendMs", " ms");
    row(s, doc, "  from response (ack)", "/pairsFromAckMs", " ms");
    s.append("change request → response (ack):\n");
    row(s, doc, "  with the subscribers", "/ackMs", " ms");
    row(s, doc, "  with none (warm-up)", "/ackNoSubscribersMs", " ms");
    JsonNode med = doc.path("medians");
    double upper = med.path("/allClientsFromRecordedAtMs/p99").asDouble(Double.NaN);
    s.append(String.format(Locale.ROOT, "target, commit → every client ≤ 100 ms at p99: %s by the upper bound "
            + "(from recordedAt) %.1f ms; lower bound (from ack) %.1f ms; from request sent %.1f ms%n",
        upper <= 100 ? "met" : "NOT met", upper, med.path("/allClientsFromAckMs/p99").asDouble(Double.NaN),
        med.path("/allClientsFromSendMs/p99").asDouble(Double.NaN)));
    s.append("server memory per connected client (after full GC):\n");
    s.append("  live heap ").append(values(doc, "/memory/liveHeapPerClientBytes", "%.0f")).append(" B\n");
    s.append("  RSS       ").append(values(doc, "/memory/rssPerClientBytes", "%.0f")).append(" B\n");
    s.append("  live heap idle / connected / after disconnect: ")
        .append(values(doc, "/memory/idle/liveHeapBytes", "%.0f")).append(" / ")
        .append(values(doc, "/memory/connected/liveHeapBytes", "%.0f")).append(" / ")
        .append(values(doc, "/memory/afterDisconnect/liveHeapBytes", "%.0f")).append(" B\n");
    s.append("  server threads idle / connected: ").append(values(doc, "/memory/idle/threads", "%.0f"))
        .append(" / ").append(values(doc, "/memory/connected/threads", "%.0f")).append('\n');
    s.append("connect all clients: ").append(values(doc, "/connectSeconds", "%.2f")).append(" s; ")
        .append("changes made: ").append(values(doc, "/achievedChangesPerSec", "%.1f"))
        .append("/s (one at a time; worst lateness against the schedule ")
        .append(values(doc, "/writerLateMaxMs", "%.1f")).append(" ms)\n");
    s.append("CPU during the measured phase: server ").append(values(doc, "/serverCpuSeconds", "%.2f"))
        .append(" s, harness ").append(values(doc, "/harnessCpuSeconds", "%.2f")).append(" s, over ")
        .append(values(doc, "/measuredSeconds", "%.2f")).append(" s on ").append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs\n  server per change with no subscriber: ")
        .append(values(doc, "/serverCpuPerChangeNoSubscribersMs", "%.2f"))
        .append(" ms; per event delivered to one client: ").append(values(doc, "/serverCpuMicrosPerDelivery", "%.1f"))
        .append(" µs, of which the fan-out ").append(values(doc, "/serverCpuMicrosPerDeliveryNet", "%.1f"))
        .append(" µs\n");
    JsonNode first = null;
    for (JsonNode r : runs) {
      if (!r.has("error")) {
        first = r;
        break;
      }
    }
    if (first != null) {
      s.append("largest heap growth by class, run ").append(first.path("run").asInt()).append(" (bytes per client):\n");
      int shown = 0;
      for (JsonNode c : first.at("/memory/topGrowthByClass")) {
        if (shown++ == 8) {
          break;
        }
        s.append(String.format(Locale.ROOT, "  %8.0f  %s%n", c.path("bytesPerClient").asDouble(),
            c.path("class").asText()));
      }
    }
    return s.toString();
  }

  private static void row(StringBuilder s, JsonNode doc, String label, String base, String unit) {
    s.append(String.format(Locale.ROOT, "%-24s", label));
    for (String p : List.of("p50", "p90", "p99", "max")) {
      s.append(' ').append(p).append(' ').append(values(doc, base + "/" + p, "%.1f")).append(unit).append(' ');
    }
    s.setLength(s.length() - 1);
    s.append('\n');
  }

  /** "median [run1, run2, …]" for one pointer; just the value when there is one run. */
  private static String values(JsonNode doc, String pointer, String format) {
    List<String> each = new ArrayList<>();
    List<Double> vals = new ArrayList<>();
    for (JsonNode r : doc.path("perRun")) {
      JsonNode v = r.at(pointer);
      if (v.isNumber()) {
        each.add(String.format(Locale.ROOT, format, v.asDouble()));
        vals.add(v.asDouble());
      }
    }
    if (vals.isEmpty()) {
      return "n/a";
    }
    String med = String.format(Locale.ROOT, format, median(vals.stream().mapToDouble(Double::doubleValue).sorted().toArray()));
    return each.size() == 1 ? med : med + " " + each;
  }
}
