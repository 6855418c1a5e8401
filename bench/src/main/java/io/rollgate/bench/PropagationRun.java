package io.rollgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * One run of {@link EventPropagation}: a fresh server process, {@code clients} subscribers, a
 * paced writer, memory read before and after the subscribers connect, and the delivery check.
 *
 * <p>Both ends of every latency are {@link System#nanoTime} in this JVM: the writer runs here, and
 * so do the subscribers, so no clocks are compared across processes.
 */
final class PropagationRun {
  static final String POLICY = "sse-bench";
  private static final String EVENTS = "/api/v1/events";
  /**
   * Writes before the idle memory reading, with nobody subscribed: they warm the write path and fill
   * any bounded replay buffer first; the second half gives the server's CPU and ack time per change
   * without subscribers.
   */
  private static final int SETTLE_WRITES = 200;
  /** Writes after the subscribers disconnect, so the server finds out (a write to a closed socket fails). */
  private static final int WRITES_AFTER_DISCONNECT = 3;
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final EventPropagation.Options o;
  private final int index;
  private final Path out;
  private final Path java;
  private final HttpClient http = Harness.http();
  private String base;
  private int n; // the value the next change writes, so that no change is a no-op
  private long deadline;
  /** Epoch nanos minus {@link System#nanoTime}, to put receive times on the wall clock the server stamps entries with. */
  private long wallOffsetNanos;
  /** Set before the harness closes the connections, so the resulting read errors are not failures. */
  private final AtomicBoolean closing = new AtomicBoolean();

  PropagationRun(EventPropagation.Options o, int index, Path out, Path java) {
    this.o = o;
    this.index = index;
    this.out = out;
    this.java = java;
  }

  /** A change the writer made: when it was due, sent and acknowledged, and the version it created. */
  record Change(long intended, long sent, long acked, int version) {}

  ObjectNode execute() throws Exception {
    deadline = System.nanoTime() + o.runTimeout().toNanos();
    Path data = Files.createTempDirectory("rollgate-sse-bench-");
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    String admin = "bench-admin-" + HexFormat.of().formatHex(secret);
    Path log = out.resolve("sse-" + o.clients() + "c-" + o.interval().toMillis() + "ms-run" + index + "-server.log");
    ObjectNode r = Json.object();
    r.put("run", index).put("clients", o.clients()).put("events", o.events())
        .put("intervalMs", o.interval().toMillis()).put("warmupEvents", o.warmupEvents())
        .put("loadavgAtStart", Harness.loadavg());
    try (var server = ServerProcess.start(java, o.serverJar(), o.serverJvmOptions(), data, admin, log,
        Duration.ofSeconds(60));
        var reader = new SseReader(o.readerThreads())) {
      base = "http://127.0.0.1:" + server.port();
      r.put("serverPid", server.pid()).put("serverLog", log.getFileName().toString());
      String viewer = call("POST", "/api/v1/tokens", admin, "{\"name\":\"sse-bench-viewer\",\"role\":\"viewer\"}", 201)
          .path("token").asText();
      call("PUT", "/api/v1/policies/" + POLICY, admin,
          "{\"document\":{\"n\":0},\"reason\":\"sse propagation benchmark\"}", 201);
      write(SETTLE_WRITES / 2, admin);
      Duration idleCpu0 = server.cpu();
      List<Change> settle = write(SETTLE_WRITES / 2, admin);
      double idleCpuPerChange = server.cpu().minus(idleCpu0).toNanos() / 1e9 / settle.size();
      // the same writes with nobody subscribed: how much the fan-out slows the write path itself
      r.set("ackNoSubscribersMs", dist(settle.stream().mapToDouble(c -> (c.acked() - c.sent()) / 1e6).toArray()));
      r.put("serverCpuPerChangeNoSubscribersMs", idleCpuPerChange * 1e3);
      ServerProcess.Memory idle = server.memory();
      long lastEventId = headSeq(viewer);

      // subscribers: each connects on a virtual thread, then the reader's threads read them all
      var connected = new CountDownLatch(o.clients());
      var subscribers = new Subscriber[o.clients()];
      var addr = new InetSocketAddress("127.0.0.1", server.port());
      int capacity = o.warmupEvents() + o.events() + 64;
      long c0 = System.nanoTime();
      for (int i = 0; i < subscribers.length; i++) {
        // validate the payload of a sample of the subscribers; parsing JSON in all of them would
        // spend the CPU the server needs (two cores for both processes)
        subscribers[i] = new Subscriber(addr, viewer, lastEventId, i % 100 == 0, capacity, connected, closing, reader);
        Thread.ofVirtual().name("sse-connect-" + i).start(subscribers[i]);
      }
      if (!connected.await(remainingNanos(), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(connected.getCount() + " of " + o.clients()
            + " subscribers had not connected when the run timed out");
      }
      long connectNanos = System.nanoTime() - c0;
      long connectFailures = Arrays.stream(subscribers).filter(s -> s.failure != null).count();
      r.put("connectSeconds", connectNanos / 1e9).put("connectFailures", connectFailures);
      if (connectFailures > 0) {
        r.put("firstConnectFailure", Arrays.stream(subscribers).filter(s -> s.failure != null).findFirst()
            .orElseThrow().failure);
      }

      // warm-up at the measured pace, then memory with everyone connected (before the measured
      // phase, so the full GC that reading it forces does not land inside the measurement)
      write(o.warmupEvents(), admin);
      long warmHead = headSeq(viewer);
      long w0 = System.nanoTime();
      long warmDone = awaitAll(subscribers, warmHead);
      r.put("warmupDeliverySeconds", warmDone == Long.MIN_VALUE ? -1 : (warmDone - w0) / 1e9);
      ServerProcess.Memory loaded = server.memory();

      wallOffsetNanos = wallMinusNanoTime();
      Duration serverCpu0 = server.cpu();
      Duration ownCpu0 = Harness.ownCpu();
      List<Change> changes = write(o.events(), admin);
      long head = headSeq(viewer);
      long reached = awaitAll(subscribers, head);
      double serverCpu = server.cpu().minus(serverCpu0).toNanos() / 1e9;
      r.put("serverCpuSeconds", serverCpu).put("harnessCpuSeconds", Harness.ownCpu().minus(ownCpu0).toNanos() / 1e9)
          .put("measuredSeconds", (System.nanoTime() - changes.getFirst().sent()) / 1e9)
          .put("serverCpuMicrosPerDelivery", serverCpu * 1e6 / ((double) o.events() * o.clients()))
          // what the fan-out adds: the CPU a change costs with nobody subscribed taken out
          .put("serverCpuMicrosPerDeliveryNet",
              (serverCpu - idleCpuPerChange * o.events()) * 1e6 / ((double) o.events() * o.clients()));
      // coarse (the wait polls every 10 ms); the per-event latencies below come from the subscribers' own clocks
      r.put("allReachedHead", reached != Long.MIN_VALUE);
      r.put("lastAckToAllReachedHeadMs", reached == Long.MIN_VALUE ? -1 : (reached - changes.getLast().acked()) / 1e6);

      closing.set(true);
      for (var s : subscribers) {
        s.close();
      }
      reader.close(); // joins its threads: what they recorded is visible from here on
      write(WRITES_AFTER_DISCONNECT, admin);
      ServerProcess.Memory after = server.memory();

      List<JsonNode> entries = journalAfter(viewer, lastEventId, head);
      r.set("delivery", delivery(subscribers, entries, lastEventId, changes, r));
      r.set("memory", memory(idle, loaded, after));
      r.put("heartbeatComments", Arrays.stream(subscribers).mapToLong(Subscriber::comments).sum());
    } finally {
      closing.set(true);
      deleteTree(data);
    }
    r.put("loadavgAtEnd", Harness.loadavg());
    return r;
  }

  /**
   * Waits until every subscriber has seen {@code seq} (or failed); returns the {@link System#nanoTime}
   * when it noticed, or {@code Long.MIN_VALUE} if the run's deadline came first.
   */
  private long awaitAll(Subscriber[] subscribers, long seq) {
    int i = 0;
    while (i < subscribers.length) {
      Subscriber s = subscribers[i];
      if (s.lastId >= seq || s.failure != null) {
        i++;
      } else if (remainingNanos() <= 0) {
        return Long.MIN_VALUE;
      } else {
        LockSupport.parkNanos(POLL_NANOS);
      }
    }
    return System.nanoTime();
  }

  /**
   * Makes {@code count} changes, one every {@code interval} on a fixed schedule: a slow
   * acknowledgement delays the next change but does not shift the schedule after it.
   */
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
      if (remainingNanos() <= 0) {
        throw new IllegalStateException("run timed out after " + o.runTimeout().toSeconds() + " s while writing");
      }
      n++;
      var req = Harness.request(base, "POST", "/api/v1/policies/" + POLICY + "/changes", token,
          "{\"delta\":{\"n\":" + n + "},\"reason\":\"sse bench " + n + "\"}");
      long sent = System.nanoTime();
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
      long acked = System.nanoTime();
      JsonNode body = Harness.check(resp, 200);
      if (!body.path("applied").asBoolean()) {
        throw new IllegalStateException("change " + n + " was not applied: " + resp.body());
      }
      changes.add(new Change(due, sent, acked, body.path("version").asInt()));
    }
    return changes;
  }

  private long headSeq(String token) throws IOException, InterruptedException {
    return call("GET", "/api/v1/audit?limit=1", token, null, 200).path("headSeq").asLong();
  }

  /** Journal entries with {@code after < seq <= head}: what every subscriber must have received. */
  private List<JsonNode> journalAfter(String token, long after, long head) throws IOException, InterruptedException {
    List<JsonNode> entries = new ArrayList<>();
    long cursor = after;
    while (cursor < head) {
      JsonNode page = call("GET", "/api/v1/audit?afterSeq=" + cursor + "&limit=1000", token, null, 200);
      for (JsonNode e : page.path("entries")) {
        if (e.path("seq").asLong() <= head) {
          entries.add(e);
        }
      }
      long next = page.path("nextAfterSeq").asLong();
      if (next <= cursor) {
        throw new IllegalStateException("audit paging stuck at seq " + cursor + " before head " + head);
      }
      cursor = next;
    }
    return entries;
  }

  /** Matches every subscriber's received ids against the journal; latencies for the measured changes. */
  private ObjectNode delivery(Subscriber[] subscribers, List<JsonNode> entries, long lastEventId, List<Change> changes,
      ObjectNode run) {
    int expected = entries.size();
    Map<Long, Integer> position = new HashMap<>();
    Map<Integer, Long> seqOfVersion = new HashMap<>();
    long[] recordedAt = new long[expected]; // epoch nanos (the journal keeps milliseconds)
    for (int i = 0; i < expected; i++) {
      JsonNode e = entries.get(i);
      position.put(e.path("seq").asLong(), i);
      Instant at = Instant.parse(e.path("recordedAt").asText());
      recordedAt[i] = at.getEpochSecond() * 1_000_000_000L + at.getNano();
      if (e.path("type").asText().equals("policy.applied") && e.path("subject").asText().equals(POLICY)) {
        seqOfVersion.put(e.path("payload").path("version").asInt(), e.path("seq").asLong());
      }
    }
    long missing = 0;
    long duplicates = 0;
    long unexpected = 0;
    long outOfOrder = 0;
    long violations = 0;
    long failed = 0;
    String firstProblem = null;
    long[][] received = new long[subscribers.length][];
    for (int c = 0; c < subscribers.length; c++) {
      Subscriber s = subscribers[c];
      if (s.failure != null) {
        failed++;
        firstProblem = firstProblem == null ? "subscriber " + c + ": " + s.failure : firstProblem;
      }
      violations += s.violations;
      if (s.firstViolation != null && firstProblem == null) {
        firstProblem = "subscriber " + c + ": " + s.firstViolation;
      }
      long[] at = new long[expected];
      Arrays.fill(at, Long.MIN_VALUE);
      long prev = lastEventId;
      for (int k = 0; k < s.count; k++) {
        long id = s.ids[k];
        if (id <= prev) {
          outOfOrder++;
        }
        prev = Math.max(prev, id);
        Integer p = position.get(id);
        if (p == null) {
          unexpected++;
        } else if (at[p] != Long.MIN_VALUE) {
          duplicates++;
        } else {
          at[p] = s.nanos[k];
        }
      }
      for (long t : at) {
        if (t == Long.MIN_VALUE) {
          missing++;
        }
      }
      received[c] = at;
    }

    // latencies for the measured changes
    int m = changes.size();
    double[] allFromAck = new double[m];
    double[] allFromSend = new double[m];
    double[] allFromRecorded = new double[m];
    double[] firstFromSend = new double[m];
    double[] ack = new double[m];
    double[] pairsFromSend = new double[m * subscribers.length];
    double[] pairsFromAck = new double[m * subscribers.length];
    int complete = 0;
    int pairs = 0;
    double lateMax = 0;
    for (Change ch : changes) {
      lateMax = Math.max(lateMax, (ch.sent() - ch.intended()) / 1e6);
      Long seq = seqOfVersion.get(ch.version());
      Integer p = seq == null ? null : position.get(seq);
      if (p == null) {
        throw new IllegalStateException("version " + ch.version() + " of " + POLICY + " is not in the journal after seq "
            + lastEventId);
      }
      long max = Long.MIN_VALUE;
      long min = Long.MAX_VALUE;
      boolean everywhere = true;
      for (long[] at : received) {
        long t = at[p];
        if (t == Long.MIN_VALUE) {
          everywhere = false;
          continue;
        }
        max = Math.max(max, t);
        min = Math.min(min, t);
        pairsFromSend[pairs] = (t - ch.sent()) / 1e6;
        pairsFromAck[pairs] = (t - ch.acked()) / 1e6;
        pairs++;
      }
      ack[complete] = (ch.acked() - ch.sent()) / 1e6;
      if (everywhere) {
        allFromAck[complete] = (max - ch.acked()) / 1e6;
        allFromSend[complete] = (max - ch.sent()) / 1e6;
        allFromRecorded[complete] = (max + wallOffsetNanos - recordedAt[p]) / 1e6;
        firstFromSend[complete] = (min - ch.sent()) / 1e6;
        complete++;
      }
    }
    ObjectNode d = Json.object();
    d.put("expectedPerSubscriber", expected).put("subscribers", subscribers.length)
        .put("subscribersFailed", failed).put("missing", missing).put("duplicates", duplicates)
        .put("unexpected", unexpected).put("outOfOrder", outOfOrder).put("contractViolations", violations)
        .put("measuredChangesEverywhere", complete).put("measuredChanges", m);
    boolean ok = failed == 0 && missing == 0 && duplicates == 0 && unexpected == 0 && outOfOrder == 0 && violations == 0
        && complete == m;
    d.put("complete", ok);
    if (firstProblem != null) {
      d.put("firstProblem", firstProblem);
    }
    run.set("allClientsFromAckMs", dist(Arrays.copyOf(allFromAck, complete)));
    run.set("allClientsFromSendMs", dist(Arrays.copyOf(allFromSend, complete)));
    run.set("allClientsFromRecordedAtMs", dist(Arrays.copyOf(allFromRecorded, complete)));
    run.set("firstClientFromSendMs", dist(Arrays.copyOf(firstFromSend, complete)));
    run.set("pairsFromSendMs", dist(Arrays.copyOf(pairsFromSend, pairs)));
    run.set("pairsFromAckMs", dist(Arrays.copyOf(pairsFromAck, pairs)));
    run.set("ackMs", dist(Arrays.copyOf(ack, m)));
    run.put("writerLateMaxMs", lateMax);
    // the writer waits for each acknowledgement, so acks slower than the interval stretch the spacing
    double span = (changes.getLast().sent() - changes.getFirst().sent()) / 1e9;
    run.put("achievedChangesPerSec", m > 1 && span > 0 ? (m - 1) / span : 0);
    return d;
  }

  private ObjectNode memory(ServerProcess.Memory idle, ServerProcess.Memory loaded, ServerProcess.Memory after) {
    ObjectNode mem = Json.object();
    mem.set("idle", reading(idle));
    mem.set("connected", reading(loaded));
    mem.set("afterDisconnect", reading(after));
    mem.put("liveHeapPerClientBytes", (double) (loaded.liveHeapBytes() - idle.liveHeapBytes()) / o.clients());
    mem.put("rssPerClientBytes", (double) (loaded.rssBytes() - idle.rssBytes()) / o.clients());
    ArrayNode top = mem.putArray("topGrowthByClass");
    for (Object[] row : ServerProcess.topGrowth(idle, loaded, 40)) {
      top.addObject().put("class", (String) row[0]).put("instances", (Long) row[1]).put("bytes", (Long) row[2])
          .put("bytesPerClient", (double) (Long) row[2] / o.clients());
    }
    return mem;
  }

  private static ObjectNode reading(ServerProcess.Memory m) {
    return Json.object().put("liveHeapBytes", m.liveHeapBytes()).put("rssBytes", m.rssBytes())
        .put("threads", m.threads());
  }

  /** Nearest-rank percentiles, in the unit of the values. */
  static ObjectNode dist(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    ObjectNode d = Json.object().put("n", v.length);
    if (v.length == 0) {
      return d;
    }
    d.put("p50", pct(v, 0.50)).put("p90", pct(v, 0.90)).put("p99", pct(v, 0.99)).put("max", v[v.length - 1])
        .put("mean", Arrays.stream(v).average().orElse(0)).put("min", v[0]);
    return d;
  }

  static double pct(double[] sorted, double p) {
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  private JsonNode call(String method, String path, String token, String body, int expect)
      throws IOException, InterruptedException {
    return Harness.call(http, base, method, path, token, body, expect);
  }

  private long remainingNanos() {
    return deadline - System.nanoTime();
  }

  /**
   * Both clocks read back to back, keeping the pair read closest together; the wall clock is the
   * same kernel clock in both processes, so this is what makes the server's recordedAt comparable.
   */
  private static long wallMinusNanoTime() {
    long best = Long.MAX_VALUE;
    long offset = 0;
    for (int i = 0; i < 1000; i++) {
      long t0 = System.nanoTime();
      Instant now = Instant.now();
      long t1 = System.nanoTime();
      if (t1 - t0 < best) {
        best = t1 - t0;
        offset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - (t0 + (t1 - t0) / 2);
      }
    }
    return offset;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * One subscriber: its connection, and the ids and receive times of what it got, in arrival order.
   * {@link #run} connects (on a virtual thread); the {@link SseReader} then calls {@link #frame}.
   */
  static final class Subscriber implements Runnable, SseReader.Listener {
    private final InetSocketAddress server;
    private final String token;
    private final long lastEventId;
    private final boolean validate;
    private final CountDownLatch connected;
    private final AtomicBoolean closing;
    private final SseReader reader;
    private volatile SseConnection connection;
    // written by one reader thread only, read after the reader's threads have been joined
    long[] ids;
    long[] nanos;
    int count;
    long violations;
    String firstViolation;
    volatile long lastId = -1;
    volatile String failure;

    Subscriber(InetSocketAddress server, String token, long lastEventId, boolean validate, int capacity,
        CountDownLatch connected, AtomicBoolean closing, SseReader reader) {
      this.server = server;
      this.token = token;
      this.lastEventId = lastEventId;
      this.validate = validate;
      this.connected = connected;
      this.closing = closing;
      this.reader = reader;
      this.ids = new long[capacity];
      this.nanos = new long[capacity];
    }

    @Override
    public void run() {
      try {
        connection = SseConnection.open(server, EVENTS, token, lastEventId, validate, 10_000, 10_000);
        reader.add(connection, this);
      } catch (IOException e) {
        failure = "connect: " + e.getMessage();
      } finally {
        connected.countDown();
      }
    }

    @Override
    public void ended(IOException error) {
      if (!closing.get()) {
        failure = error == null ? "the server ended the stream" : "read: " + error;
      }
    }

    long comments() {
      SseConnection c = connection;
      return c == null ? 0 : c.comments();
    }

    @Override
    public void frame(SseConnection.Frame f) {
      if (f.event().startsWith("stream.") || f.event().startsWith("server.")) {
        // control events (stream.overflow: this client fell too far behind; server.shutdown) repeat
        // the last id; during a run any of them means the delivery failed
        violation("control event " + f.event() + ": " + f.data());
        return;
      }
      long id;
      try {
        id = Long.parseLong(f.id());
      } catch (NumberFormatException e) {
        violation("event without a numeric id: id=" + f.id() + " event=" + f.event());
        return;
      }
      if (count == ids.length) {
        ids = Arrays.copyOf(ids, count * 2);
        nanos = Arrays.copyOf(nanos, count * 2);
      }
      ids[count] = id;
      nanos[count] = f.receivedNanos();
      count++;
      lastId = id;
      if (validate) {
        validate(f, id);
      }
    }

    /** The wire contract: data is one line of JSON whose seq and type repeat the frame's id and event. */
    private void validate(SseConnection.Frame f, long id) {
      if (f.data() == null || f.data().indexOf('\n') >= 0) {
        violation("event " + id + ": data must be exactly one line");
        return;
      }
      try {
        JsonNode d = Json.mapper().readTree(f.data());
        if (d.path("seq").asLong(-1) != id) {
          violation("event " + id + ": data.seq is " + d.path("seq"));
        } else if (!d.path("type").asText("").equals(f.event())) {
          violation("event " + id + ": data.type " + d.path("type") + " differs from event: " + f.event());
        } else if (!d.path("subject").isTextual() || !d.path("actor").isTextual() || !d.path("recordedAt").isTextual()
            || !d.path("payload").isObject()) {
          violation("event " + id + ": data lacks subject, actor, recordedAt or payload: " + f.data());
        }
      } catch (IOException e) {
        violation("event " + id + ": data is not JSON: " + e.getMessage());
      }
    }

    private void violation(String what) {
      violations++;
      if (firstViolation == null) {
        firstViolation = what;
      }
    }

    void close() {
      SseConnection c = connection;
      if (c != null) {
        try {
          c.close();
        } catch (IOException ignored) {
          // closing is all we wanted
        }
      }
    }
  }
}
