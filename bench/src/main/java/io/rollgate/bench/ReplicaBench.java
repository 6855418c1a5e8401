package io.rollgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalConfig;
import io.rollgate.store.testing.TestDatabases;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Replicas on one PostgreSQL (issue 10), measured and exercised with real processes. Modes:
 *
 * <ul>
 *   <li>{@code throughput}: 1, 2 and 3 journal writers (one per "replica", each with its own pools) in
 *       this JVM append concurrently to one database for {@code --seconds}, {@code --trials} times
 *       each, {@code --threads} closed-loop submitters per writer; the head-row lock serialises
 *       their batches, and the figures show what that costs.
 *   <li>{@code propagation}: two {@code rollgate serve} processes A and B; {@code --events} policy
 *       writes on A, one every {@code --interval-ms}; an SSE client on A and one on B; from the start
 *       of each write to its event on each client, p50/p99/max.
 *   <li>{@code failover}: three processes; {@code --trials} times, {@code kill -9} the leader and time
 *       from the kill to the new leader's first action (its {@code cluster.leader_elected} entry's
 *       recordedAt), starting a replacement meanwhile; then {@code --stops} times {@code kill -STOP}
 *       the leader, wait for another to lead (after the lease), {@code kill -CONT} it and check that it
 *       stepped down without acting (a follower, one leader, one election entry per epoch).
 * </ul>
 *
 * <pre>java -cp bench/target/benchmarks.jar io.rollgate.bench.ReplicaBench MODE [--trials N] [--seconds S]
 *     [--threads T] [--events N] [--interval-ms MS] [--lease S] [--stops N] [--out DIR]</pre>
 *
 * Loopback only; the embedded PostgreSQL is started by this JVM (fsync and synchronous_commit on).
 */
public final class ReplicaBench {
  private static final String ADMIN = "bench-admin-token-0123456789";

  private ReplicaBench() {}

  record Options(String mode, int trials, int seconds, int threads, int events, int intervalMs, int lease, int stops,
      Path out) {
    Options {
      if (!List.of("throughput", "propagation", "failover").contains(mode)) {
        throw new IllegalArgumentException("mode must be throughput, propagation or failover, got " + mode);
      }
      if (trials < 1 || trials > 100 || seconds < 1 || seconds > 120 || threads < 1 || threads > 256
          || events < 1 || events > 10_000 || intervalMs < 1 || lease < 1 || lease > 600 || stops < 0 || stops > 20) {
        throw new IllegalArgumentException("out of range: trials 1-100, seconds 1-120, threads 1-256, events 1-10000,"
            + " interval-ms >= 1, lease 1-600, stops 0-20");
      }
    }

    static Options parse(String[] args) {
      if (args.length == 0) {
        throw new IllegalArgumentException("usage: ReplicaBench throughput|propagation|failover [options]");
      }
      String mode = args[0];
      int trials = mode.equals("failover") ? 20 : 3;
      int seconds = 10;
      int threads = 16;
      int events = 300;
      int intervalMs = 20;
      int lease = 6;
      int stops = 3;
      Path out = Path.of("bench/results/replicas");
      for (int i = 1; i < args.length; i++) {
        switch (args[i]) {
          case "--trials" -> trials = Integer.parseInt(args[++i]);
          case "--seconds" -> seconds = Integer.parseInt(args[++i]);
          case "--threads" -> threads = Integer.parseInt(args[++i]);
          case "--events" -> events = Integer.parseInt(args[++i]);
          case "--interval-ms" -> intervalMs = Integer.parseInt(args[++i]);
          case "--lease" -> lease = Integer.parseInt(args[++i]);
          case "--stops" -> stops = Integer.parseInt(args[++i]);
          case "--out" -> out = Path.of(args[++i]);
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      }
      return new Options(mode, trials, seconds, threads, events, intervalMs, lease, stops, out);
    }
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ReplicaBench: " + e.getMessage());
      System.exit(2);
      return;
    }
    Files.createDirectories(o.out());
    String before = Harness.loadavg();
    String text = switch (o.mode()) {
      case "throughput" -> throughput(o);
      case "propagation" -> propagation(o);
      default -> failover(o);
    };
    text = "load average before: " + before + ", after: " + Harness.loadavg() + "\n" + text;
    Files.writeString(o.out().resolve(o.mode() + ".txt"), text);
    System.out.print(text);
    System.exit(0);
  }

  // ---- throughput ----

  static String throughput(Options o) throws Exception {
    var sb = new StringBuilder(String.format(Locale.ROOT,
        "journal throughput, one PostgreSQL, %d closed-loop submitters per writer, %d s per trial, %d trials%n",
        o.threads(), o.seconds(), o.trials()));
    double base = 0;
    for (int writers = 1; writers <= 3; writers++) {
      double[] rates = new double[o.trials()];
      double[] batch = new double[o.trials()];
      for (int t = 0; t < o.trials(); t++) {
        double[] r = throughputTrial(writers, o.threads(), o.seconds());
        rates[t] = r[0];
        batch[t] = r[1];
        System.err.printf(Locale.ROOT, "  %d writer(s), trial %d: %.0f commits/s, %.1f commands/batch%n", writers,
            t + 1, r[0], r[1]);
      }
      double median = median(rates);
      if (writers == 1) {
        base = median;
      }
      sb.append(String.format(Locale.ROOT,
          "%d writer(s): median %.0f commits/s (trials %s), %.1f commands per batch, %.2fx one writer%n", writers,
          median, Arrays.toString(Arrays.stream(rates).map(Math::rint).toArray()), median(batch), median / base));
    }
    return sb.toString();
  }

  /** {commits per second over all writers, mean commands per batch}. */
  private static double[] throughputTrial(int writers, int threads, int seconds) throws Exception {
    String url = TestDatabases.newPostgresUrl();
    List<Database> dbs = new ArrayList<>();
    List<Journal> journals = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      Database db = Database.postgres(url, null, null);
      dbs.add(db);
      journals.add(new Journal(db, Clock.systemUTC(), JournalConfig.DEFAULTS));
    }
    var running = new AtomicBoolean(true);
    var counting = new AtomicBoolean(false);
    var done = new AtomicLong();
    var failed = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      Journal j = journals.get(w);
      String actor = "replica-" + w;
      for (int t = 0; t < threads; t++) {
        workers.add(Thread.ofPlatform().daemon().start(() -> {
          while (running.get()) {
            try {
              j.execute(tx -> tx.append("bench.replica", "bench", actor, Json.object().put("x", 1)));
              if (counting.get()) {
                done.incrementAndGet();
              }
            } catch (RuntimeException e) {
              failed.incrementAndGet();
            }
          }
        }));
      }
    }
    TimeUnit.SECONDS.sleep(2); // warm-up: connections, JIT
    long batches0 = journals.stream().mapToLong(Journal::batches).sum();
    long commands0 = journals.stream().mapToLong(Journal::committedCommands).sum();
    counting.set(true);
    long t0 = System.nanoTime();
    TimeUnit.SECONDS.sleep(seconds);
    counting.set(false);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long batches = journals.stream().mapToLong(Journal::batches).sum() - batches0;
    long commands = journals.stream().mapToLong(Journal::committedCommands).sum() - commands0;
    running.set(false);
    for (Thread t : workers) {
      t.join(30_000);
    }
    journals.forEach(Journal::close);
    dbs.forEach(Database::close);
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " commands failed during the trial");
    }
    return new double[] {done.get() / elapsed, batches == 0 ? 0 : (double) commands / batches};
  }

  // ---- propagation ----

  static String propagation(Options o) throws Exception {
    String url = TestDatabases.newPostgresUrl();
    Path java = javaPath();
    try (var a = replica(java, url, o, "a"); var b = replica(java, url, o, "b")) {
      HttpClient http = Harness.http();
      Map<String, Long> started = new ConcurrentHashMap<>();
      long[][] lat = new long[2][o.events()];
      var seen = new CountDownLatch(2 * o.events());
      List<Thread> readers = new ArrayList<>();
      int[] ports = {a.port(), b.port()};
      var ready = new CountDownLatch(2);
      for (int c = 0; c < 2; c++) {
        int client = c;
        readers.add(Thread.ofPlatform().daemon().start(() -> readEvents(http, ports[client], ready, line -> {
          int at = line.indexOf("\"subject\":\"prop-");
          if (at < 0) {
            return;
          }
          long now = System.nanoTime();
          int i = Integer.parseInt(line.substring(at + 16, line.indexOf('"', at + 16)));
          lat[client][i] = now - started.get("prop-" + i);
          seen.countDown();
        })));
      }
      if (!ready.await(30, TimeUnit.SECONDS)) {
        throw new IOException("the event streams did not open within 30 s");
      }
      String base = "http://127.0.0.1:" + a.port();
      for (int i = 0; i < o.events(); i++) {
        started.put("prop-" + i, System.nanoTime());
        Harness.call(http, base, "PUT", "/api/v1/policies/prop-" + i, ADMIN, "{\"document\":{\"n\":" + i + "}}", 201);
        TimeUnit.MILLISECONDS.sleep(o.intervalMs()); // pacing of the load, not a wait for a result
      }
      if (!seen.await(60, TimeUnit.SECONDS)) {
        throw new IOException(seen.getCount() + " events did not arrive within 60 s");
      }
      var sb = new StringBuilder(String.format(Locale.ROOT,
          "event propagation, 2 replicas on one PostgreSQL: %d writes on A, one every %d ms; time from the start "
              + "of the PUT to the event on the client%n", o.events(), o.intervalMs()));
      String[] names = {"client on A (same replica)", "client on B (other replica)"};
      for (int c = 0; c < 2; c++) {
        long[] l = lat[c].clone();
        Arrays.sort(l);
        sb.append(String.format(Locale.ROOT, "%s: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", names[c],
            ms(l[l.length / 2]), ms(l[(int) Math.ceil(l.length * 0.99) - 1]), ms(l[l.length - 1])));
      }
      return sb.toString();
    }
  }

  private static void readEvents(HttpClient http, int port, CountDownLatch ready,
      java.util.function.Consumer<String> onData) {
    try {
      var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/events"))
          .header("Authorization", "Bearer " + ADMIN).header("Accept", "text/event-stream").build();
      HttpResponse<java.util.stream.Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
      ready.countDown();
      resp.body().forEach(line -> {
        if (line.startsWith("data:")) {
          onData.accept(line);
        }
      });
    } catch (IOException | InterruptedException e) {
      System.err.println("event stream on port " + port + " ended: " + e);
    }
  }

  // ---- failover ----

  static String failover(Options o) throws Exception {
    String url = TestDatabases.newPostgresUrl();
    Path java = javaPath();
    List<ServerProcess> procs = new ArrayList<>();
    int started = 0;
    try {
      for (; started < 3; started++) {
        procs.add(replica(java, url, o, "r" + started));
      }
      HttpClient http = Harness.http();
      long[] killMs = new long[o.trials()];
      for (int t = 0; t < o.trials(); t++) {
        ServerProcess leader = leaderOf(http, procs, Duration.ofSeconds(o.lease() * 3L));
        long epoch = epoch(url);
        long killedAt = System.currentTimeMillis();
        leader.kill();
        procs.remove(leader);
        // a replacement starts while the others elect (it may win too: any new leader's first action counts)
        procs.add(replica(java, url, o, "r" + started++));
        awaitTrue(() -> epochQuietly(url) > epoch, Duration.ofSeconds(o.lease() * 3L), "a new leader after kill -9");
        killMs[t] = electedAt(url, epoch + 1) - killedAt;
        System.err.printf(Locale.ROOT, "  kill -9 trial %d: new leader's first action after %d ms%n", t + 1, killMs[t]);
      }
      var sb = new StringBuilder(String.format(Locale.ROOT,
          "failover, 3 rollgate serve processes on one PostgreSQL, --lease %d (heartbeat every %d ms)%n", o.lease(),
          o.lease() * 1000 / 3));
      long[] sorted = killMs.clone();
      Arrays.sort(sorted);
      sb.append(String.format(Locale.ROOT,
          "kill -9 of the leader -> the new leader's cluster.leader_elected, %d trials: median %d ms, max %d ms "
              + "(min %d ms)%n", o.trials(), Math.round(median(Arrays.stream(killMs).asDoubleStream().toArray())),
          sorted[sorted.length - 1], sorted[0]));
      for (int s = 0; s < o.stops(); s++) {
        ServerProcess leader = leaderOf(http, procs, Duration.ofSeconds(o.lease() * 3L));
        long epoch = epoch(url);
        long stoppedAt = System.currentTimeMillis();
        leader.signal("STOP");
        try {
          awaitTrue(() -> epochQuietly(url) > epoch, Duration.ofSeconds(o.lease() * 4L), "a new leader after SIGSTOP");
        } finally {
          leader.signal("CONT");
        }
        long takeover = electedAt(url, epoch + 1) - stoppedAt;
        // resumed: its next round finds the epoch moved on and steps down; it never leads again at the old epoch
        String base = "http://127.0.0.1:" + leader.port();
        awaitTrue(() -> "follower".equals(role(http, base)), Duration.ofSeconds(o.lease() * 2L),
            "the resumed leader to step down");
        long leaders = procs.stream().filter(p -> "leader".equals(role(http, "http://127.0.0.1:" + p.port()))).count();
        long elections = count(url, "SELECT count(*) FROM journal WHERE type = 'cluster.leader_elected'");
        long epochNow = epoch(url);
        if (leaders != 1 || elections != epochNow) {
          throw new IllegalStateException("after SIGCONT: " + leaders + " leaders, " + elections
              + " election entries for epoch " + epochNow);
        }
        sb.append(String.format(Locale.ROOT,
            "kill -STOP of the leader (epoch %d) -> another leads after %d ms (lease %d s); after kill -CONT the "
                + "old leader is a follower, one leader, %d election entries for epoch %d%n", epoch, takeover,
            o.lease(), elections, epochNow));
      }
      return sb.toString();
    } finally {
      for (var p : procs) {
        p.close();
      }
    }
  }

  private static ServerProcess leaderOf(HttpClient http, List<ServerProcess> procs, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (var p : procs) {
        if ("leader".equals(role(http, "http://127.0.0.1:" + p.port()))) {
          return p;
        }
      }
      TimeUnit.MILLISECONDS.sleep(50); // polling other processes; bounded by the deadline
    }
    throw new IllegalStateException("no leader among " + procs.size() + " replicas within " + timeout.toSeconds() + " s");
  }

  private static String role(HttpClient http, String base) {
    try {
      var r = http.send(Harness.request(base, "GET", "/health", ADMIN, null), HttpResponse.BodyHandlers.ofString());
      JsonNode cluster = Json.mapper().readTree(r.body()).path("checks").path("cluster");
      return cluster.path("role").asText();
    } catch (IOException | InterruptedException | RuntimeException e) {
      return "unreachable";
    }
  }

  private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s");
      }
      TimeUnit.MILLISECONDS.sleep(20); // polling the database; bounded by the deadline
    }
  }

  private static long epoch(String url) {
    return count(url, "SELECT epoch FROM cluster_leader WHERE id = 1");
  }

  private static long epochQuietly(String url) {
    try {
      return epoch(url);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static long electedAt(String url, long epoch) {
    return count(url, "SELECT recorded_at FROM journal WHERE type = 'cluster.leader_elected' AND payload LIKE '%\"epoch\":"
        + epoch + ",%' ORDER BY seq LIMIT 1");
  }

  private static long count(String url, String sql) {
    try (var c = DriverManager.getConnection(url); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
      if (!rs.next()) {
        throw new IllegalStateException("no row for " + sql);
      }
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  // ---- shared ----

  private static ServerProcess replica(Path java, String url, Options o, String name)
      throws IOException, InterruptedException {
    return ServerProcess.start(java, Path.of("server/target/rollgate.jar"), List.of("-Xmx256m", "-XX:+UseSerialGC"),
        List.of("--db", url, "--lease", Integer.toString(o.lease())), ADMIN, o.out().resolve("server-" + name + ".log"),
        Duration.ofSeconds(90));
  }

  private static Path javaPath() {
    return Path.of(ProcessHandle.current().info().command()
        .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this harness")));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
