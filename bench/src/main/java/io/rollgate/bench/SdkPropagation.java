package io.rollgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.client.ClientEvent;
import io.rollgate.client.RollgateClient;
import io.rollgate.json.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 7, "Performance": from a committed change on the server to the local snapshots of N SDK
 * clients. Starts the server as its own JVM ({@link ServerProcess}: SQLite in a temporary
 * directory, loopback), builds N {@link RollgateClient}s in this JVM, each following the event
 * stream for one policy, then makes changes on a fixed schedule. A change's latency for a client
 * runs from the change's acknowledgement (the response to {@code POST …/changes}, after the
 * journal's fsync) to the client's {@link ClientEvent.Changed} listener firing with a snapshot that
 * holds the change; both are {@link System#nanoTime} in this JVM. It also reports the latency from
 * the request being sent, an upper bound that includes the request itself.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.rollgate.bench.SdkPropagation \
 *      [--clients 100] [--changes 200] [--warmup 20] [--interval-ms 100] [--timeout-s 300] [--out DIR]
 * </pre>
 *
 * Bounded: the run stops with an error after {@code --timeout-s}; the server is killed on exit.
 */
public final class SdkPropagation {
  static final String POLICY = "sdk-bench";

  /** Options, checked when parsed. */
  record Options(int clients, int changes, int warmup, Duration interval, Duration timeout, Path out, Path serverJar) {
    Options {
      if (clients < 1 || clients > 1000) {
        throw new IllegalArgumentException("--clients must be 1 to 1000, got " + clients);
      }
      if (changes < 1 || changes > 10_000) {
        throw new IllegalArgumentException("--changes must be 1 to 10000, got " + changes);
      }
      if (warmup < 0 || warmup > 10_000) {
        throw new IllegalArgumentException("--warmup must be 0 to 10000, got " + warmup);
      }
      if (interval.toMillis() < 1 || interval.toMillis() > 10_000) {
        throw new IllegalArgumentException("--interval-ms must be 1 to 10000, got " + interval.toMillis());
      }
      if (timeout.toSeconds() < 10 || timeout.toSeconds() > 3600) {
        throw new IllegalArgumentException("--timeout-s must be 10 to 3600, got " + timeout.toSeconds());
      }
    }

    static Options parse(String[] args) {
      int clients = 100;
      int changes = 200;
      int warmup = 20;
      long intervalMs = 100;
      long timeoutS = 300;
      Path out = Path.of("bench/results/sdk-propagation");
      Path jar = Path.of("server/target/rollgate.jar");
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--clients" -> clients = integer(a, v);
          case "--changes" -> changes = integer(a, v);
          case "--warmup" -> warmup = integer(a, v);
          case "--interval-ms" -> intervalMs = integer(a, v);
          case "--timeout-s" -> timeoutS = integer(a, v);
          case "--out" -> out = Path.of(v);
          case "--server-jar" -> jar = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      return new Options(clients, changes, warmup, Duration.ofMillis(intervalMs), Duration.ofSeconds(timeoutS), out,
          jar);
    }

    private static int integer(String option, String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " must be an integer, got '" + value + "'");
      }
    }
  }

  /** A change the writer made: the value of {@code n} it wrote, when it was sent and acknowledged. */
  record Change(int n, long sent, long acked) {}

  /**
   * What one client saw: for each value of {@code n}, the first time its listener fired with a
   * snapshot holding that value or a later one (the client may fold a burst into one refetch).
   * Written by the client's background thread only, read after the wait below has seen the last value.
   */
  static final class Observer {
    final long[] firstAtLeast;
    volatile int highest = -1;

    Observer(int values) {
      firstAtLeast = new long[values + 1];
    }

    void changed(int n, long now) {
      for (int v = highest + 1; v <= Math.min(n, firstAtLeast.length - 1); v++) {
        firstAtLeast[v] = now;
      }
      highest = Math.max(highest, n);
    }
  }

  private final Options o;
  private final HttpClient http = Harness.http();
  private String base;
  private int n;
  private long deadline;

  SdkPropagation(Options o) {
    this.o = o;
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("SdkPropagation: " + e.getMessage());
      System.exit(2);
      return;
    }
    Files.createDirectories(o.out());
    ObjectNode r = new SdkPropagation(o).run();
    String name = "sdk-propagation-" + o.clients() + "c-" + o.interval().toMillis() + "ms";
    Files.writeString(o.out().resolve(name + ".json"), Json.mapper().writerWithDefaultPrettyPrinter()
        .writeValueAsString(r) + "\n");
    String line = summary(r);
    Files.writeString(o.out().resolve(name + ".txt"), line + "\n");
    System.out.println(line);
    System.exit(r.path("complete").asBoolean() ? 0 : 1);
  }

  ObjectNode run() throws Exception {
    deadline = System.nanoTime() + o.timeout().toNanos();
    Path java = Path.of(ProcessHandle.current().info().command()
        .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this harness")));
    Path data = Files.createTempDirectory("rollgate-sdk-bench-");
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    String admin = "bench-admin-" + HexFormat.of().formatHex(secret);
    Path log = o.out().resolve("sdk-propagation-" + o.clients() + "c-server.log");
    ObjectNode r = Json.object();
    r.put("clients", o.clients()).put("changes", o.changes()).put("warmupChanges", o.warmup())
        .put("intervalMs", o.interval().toMillis()).put("loadavgAtStart", Harness.loadavg());
    List<RollgateClient> clients = new ArrayList<>();
    try (var server = ServerProcess.start(java, o.serverJar(), List.of("-Xmx1g"), data, admin, log,
        Duration.ofSeconds(60))) {
      try {
        measure(server, admin, r, clients);
      } finally {
        for (RollgateClient c : clients) { // before the server stops, so they do not go stale
          c.close();
        }
      }
    } finally {
      SdkEvaluationBenchmark.deleteTree(data);
    }
    r.put("loadavgAtEnd", Harness.loadavg());
    return r;
  }

  private void measure(ServerProcess server, String admin, ObjectNode r, List<RollgateClient> clients)
      throws IOException, InterruptedException {
    base = "http://127.0.0.1:" + server.port();
    // operator: the clients' fleet reports are accepted (every 60 s, so none lands in the run)
    String token = call("POST", "/api/v1/tokens", admin, "{\"name\":\"sdk-bench\",\"role\":\"operator\"}", 201)
        .path("token").asText();
    call("PUT", "/api/v1/policies/" + POLICY, admin, "{\"document\":{\"n\":0},\"reason\":\"sdk benchmark\"}", 201);

    int total = o.warmup() + o.changes();
    var observers = new Observer[o.clients()];
    long b0 = System.nanoTime();
    for (int i = 0; i < o.clients(); i++) {
      var obs = observers[i] = new Observer(total);
      RollgateClient[] self = new RollgateClient[1];
      RollgateClient c = RollgateClient.builder().serverUrl(base).token(token).policies(POLICY)
          .flushInterval(Duration.ofSeconds(60)).clientId("sdk-bench-" + i)
          .listener(e -> {
            if (e instanceof ClientEvent.Changed ch && ch.policies().contains(POLICY) && self[0] != null) {
              long now = System.nanoTime();
              obs.changed((int) self[0].getLong(POLICY + ".n", null, -1), now);
            }
          })
          .build();
      self[0] = c;
      clients.add(c);
      if (!c.isReady() || c.getLong(POLICY + ".n", null, -1) != 0) {
        throw new IllegalStateException("client " + i + " did not start with the policy: " + c.lastError());
      }
      obs.changed(0, System.nanoTime());
    }
    r.put("clientsBuiltSeconds", (System.nanoTime() - b0) / 1e9);

    // warm-up at the measured pace: streams connected, JIT warm on both sides
    write(o.warmup(), admin);
    awaitAll(observers, o.warmup());
    Duration serverCpu0 = server.cpu();
    Duration ownCpu0 = Harness.ownCpu();
    List<Change> changes = write(o.changes(), admin);
    boolean complete = awaitAll(observers, total);
    r.put("complete", complete);
    r.put("serverCpuSeconds", server.cpu().minus(serverCpu0).toNanos() / 1e9)
        .put("harnessCpuSeconds", Harness.ownCpu().minus(ownCpu0).toNanos() / 1e9);
    r.set("ackMs", dist(changes.stream().mapToDouble(c -> (c.acked() - c.sent()) / 1e6).toArray()));

    // per (client, change): ack → that client's listener; per change: ack → the last of the clients
    double[] fromAck = new double[o.clients() * changes.size()];
    double[] fromSend = new double[fromAck.length];
    double[] lastFromAck = new double[changes.size()];
    double[] firstFromAck = new double[changes.size()];
    int k = 0;
    int missing = 0;
    for (int ci = 0; ci < changes.size(); ci++) {
      Change c = changes.get(ci);
      double last = Double.NEGATIVE_INFINITY;
      double first = Double.POSITIVE_INFINITY;
      for (Observer obs : observers) {
        long at = obs.highest >= c.n() ? obs.firstAtLeast[c.n()] : 0;
        if (at == 0) {
          missing++;
          continue;
        }
        double ms = (at - c.acked()) / 1e6;
        fromAck[k] = ms;
        fromSend[k++] = (at - c.sent()) / 1e6;
        last = Math.max(last, ms);
        first = Math.min(first, ms);
      }
      lastFromAck[ci] = last;
      firstFromAck[ci] = first;
    }
    r.put("missingDeliveries", missing);
    r.set("perClientFromAckMs", dist(Arrays.copyOf(fromAck, k)));
    r.set("perClientFromSendMs", dist(Arrays.copyOf(fromSend, k)));
    r.set("allClientsFromAckMs", dist(lastFromAck));
    r.set("firstClientFromAckMs", dist(firstFromAck));
    r.put("achievedChangesPerSecond", changes.size() / ((changes.getLast().acked() - changes.getFirst().sent()) / 1e9));
    r.put("clientErrors", clients.stream().filter(c -> c.lastError().isPresent()).count());
  }

  /** Waits (polling every 5 ms, until the deadline) until every client serves value {@code n} or later. */
  private boolean awaitAll(Observer[] observers, int n) {
    for (Observer obs : observers) {
      while (obs.highest < n) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }
    }
    return true;
  }

  /** Makes {@code count} changes on a fixed schedule {@code interval} apart, each setting n to the next value. */
  private List<Change> write(int count, String token) throws IOException, InterruptedException {
    List<Change> changes = new ArrayList<>(count);
    long period = o.interval().toNanos();
    long start = System.nanoTime() + period;
    for (int i = 0; i < count; i++) {
      long due = start + i * period;
      long now;
      while ((now = System.nanoTime()) < due) {
        LockSupport.parkNanos(due - now);
      }
      if (now > deadline) {
        throw new IllegalStateException("run timed out after " + o.timeout().toSeconds() + " s while writing");
      }
      n++;
      var req = Harness.request(base, "POST", "/api/v1/policies/" + POLICY + "/changes", token,
          "{\"delta\":{\"n\":" + n + "},\"reason\":\"sdk bench " + n + "\"}");
      long sent = System.nanoTime();
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
      long acked = System.nanoTime();
      JsonNode body = Harness.check(resp, 200);
      if (!body.path("applied").asBoolean()) {
        throw new IllegalStateException("change " + n + " was not applied: " + resp.body());
      }
      changes.add(new Change(n, sent, acked));
    }
    return changes;
  }

  static String summary(JsonNode r) {
    JsonNode a = r.path("perClientFromAckMs");
    JsonNode all = r.path("allClientsFromAckMs");
    return String.format(Locale.ROOT, "%d clients, %d changes every %d ms (%.1f/s): ack → client p50 %.1f ms, "
        + "p99 %.1f ms, max %.1f ms; ack → all %d clients p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
        + "missing %d; complete %s; load %s → %s",
        r.path("clients").asInt(), r.path("changes").asInt(), r.path("intervalMs").asInt(),
        r.path("achievedChangesPerSecond").asDouble(), a.path("p50").asDouble(), a.path("p99").asDouble(),
        a.path("max").asDouble(), r.path("clients").asInt(), all.path("p50").asDouble(), all.path("p99").asDouble(),
        all.path("max").asDouble(), r.path("missingDeliveries").asInt(), r.path("complete").asBoolean(),
        r.path("loadavgAtStart").asText(), r.path("loadavgAtEnd").asText());
  }

  static ObjectNode dist(double[] values) {
    return PropagationRun.dist(values);
  }

  private JsonNode call(String method, String path, String token, String body, int expect)
      throws IOException, InterruptedException {
    return Harness.call(http, base, method, path, token, body, expect);
  }

}
