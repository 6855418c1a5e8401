package io.rollgate.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's background work, all of it off the caller's path: one thread keeps the snapshot
 * current (first a snapshot, then the event stream; on each relevant event a conditional refetch;
 * reconnecting with backoff and jitter, resuming after the last event id; polling the snapshot with
 * its ETag while the stream cannot connect), and the flush timer sends outcome counts and the
 * fleet report.
 *
 * <p>Why a refetch instead of applying event payloads: the snapshot endpoint is the one definition
 * of what a client serves (rollout percentage, candidate, baseline check), so the SDK cannot drift
 * from the server; a burst of events costs one refetch, because events at or below the fetched
 * snapshot's {@code seq} are already in it and are skipped.
 */
final class Sync implements SseParser.Sink {
  private static final System.Logger log = System.getLogger(RollgateClient.class.getName());
  static final String EVENT_TYPES = "policy.applied,rollout.*";
  /** The server takes at most this many policies in one fleet report. */
  static final int MAX_REPORTED = 1_000;

  private final RollgateClient client;
  private final Settings settings;
  private final ObjectMapper mapper;
  private final HttpClient http;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signal = lock.newCondition();
  private final Object flushLock = new Object();

  // guarded by lock
  private long wantedSeq = -1; // the highest relevant event id seen on the stream
  private volatile long handledSeq = -1;
  private boolean streamEnded;
  private Throwable streamCause;
  private int streamStatus;
  private boolean closed;

  private volatile long lastLineNanos;
  private volatile long lastEventId = -1;
  private volatile SseParser parser;
  private volatile Thread thread;
  /** The snapshot query failed with 404 (a configured policy does not exist): ask for all and keep ours. */
  private volatile boolean askForAll;

  Sync(RollgateClient client, Settings settings, ObjectMapper mapper) {
    this.client = client;
    this.settings = settings;
    this.mapper = mapper;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1) // SSE over plain HTTP/1.1: no h2c upgrade dance
        .connectTimeout(settings.connectTimeout())
        .build();
  }

  /** One snapshot request, now: true when the client is now current (200 or 304). */
  boolean fetchNow() {
    try {
      fetch();
      return true;
    } catch (IOException | RuntimeException e) {
      client.stale(describe(e));
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  void start() {
    Thread t = new Thread(this::run, "rollgate-client-sync");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  // ---- keeping the snapshot current -------------------------------------------------------------

  private void run() {
    int failures = 0;
    boolean needSnapshot = !client.hasServerSnapshot();
    while (!isClosed()) {
      Thread.interrupted(); // an interrupt meant for a finished wait
      if (needSnapshot) {
        if (!fetchNow()) {
          failures++;
          pause(backoff(failures));
          continue;
        }
        needSnapshot = false;
      }
      if (!settings.streaming()) {
        pause(settings.reconnectMax());
        needSnapshot = true;
        continue;
      }
      Outcome outcome = stream();
      switch (outcome) {
        case CONNECTED -> failures = 0; // it ran, then ended (server restart, overflow, idle): reconnect soon
        case REFUSED -> {
          // the server answered but would not stream (a proxy without SSE, an id beyond a restored
          // journal): poll the snapshot with its ETag, which also resets the resume point if needed
          failures++;
          needSnapshot = true;
        }
        case UNREACHABLE -> {
          failures++;
          needSnapshot = true;
        }
        case CLOSED -> {
          return;
        }
      }
      pause(backoff(failures));
    }
  }

  private enum Outcome { CONNECTED, REFUSED, UNREACHABLE, CLOSED }

  /** Follows the event stream until it ends. */
  private Outcome stream() {
    long after = lastEventId >= 0 ? lastEventId : client.snapshotSeq();
    URI uri = URI.create(base() + "/api/v1/events?types=" + EVENT_TYPES.replace("*", "%2A") + "&lastEventId=" + after);
    HttpRequest request = HttpRequest.newBuilder(uri)
        .header("Authorization", "Bearer " + settings.token())
        .header("Accept", "text/event-stream")
        .header("Last-Event-ID", Long.toString(after))
        .GET().build();
    var p = new SseParser(this);
    lock.lock();
    try {
      if (closed) {
        return Outcome.CLOSED;
      }
      streamEnded = false;
      streamCause = null;
      streamStatus = 0;
      parser = p;
    } finally {
      lock.unlock();
    }
    lastLineNanos = System.nanoTime();
    // no request timeout: it would end a healthy stream; a silent one is caught by the idle check below
    var response = http.sendAsync(request, info -> {
      setStatus(info.statusCode());
      return info.statusCode() == 200
          ? HttpResponse.BodySubscribers.fromLineSubscriber(p, s -> null, StandardCharsets.UTF_8, null)
          : HttpResponse.BodySubscribers.replacing(null);
    });
    response.whenComplete((r, t) -> ended(t));
    long idleNanos = settings.streamIdleTimeout().toNanos();
    boolean announced = false;
    while (true) {
      long want;
      int status;
      boolean ended;
      Throwable cause;
      boolean idle = false;
      lock.lock();
      try {
        while (!streamEnded && !closed && (streamStatus != 200 || announced) && wantedSeq <= handled()) {
          long silent = System.nanoTime() - lastLineNanos;
          if (silent >= idleNanos) {
            idle = true;
            break;
          }
          try {
            signal.awaitNanos(idleNanos - silent);
          } catch (InterruptedException e) {
            break; // close() interrupts; the checks below decide
          }
        }
        if (closed) {
          p.cancel();
          response.cancel(true);
          return Outcome.CLOSED;
        }
        status = streamStatus;
        ended = streamEnded;
        cause = streamCause;
        want = wantedSeq;
      } finally {
        lock.unlock();
      }
      if (status == 200 && !announced) {
        announced = true;
        client.synced(); // connected: everything after 'after' is on its way
      }
      if (ended) {
        return outcome(status, cause);
      }
      if (want > handled()) {
        try {
          fetch();
          lock.lock();
          try {
            handledSeq = Math.max(handledSeq, want);
          } finally {
            lock.unlock();
          }
        } catch (IOException | RuntimeException e) {
          // start over: back off, poll, resume the stream after the last id
          client.stale(describe(e));
          p.cancel();
          response.cancel(true);
          return Outcome.UNREACHABLE;
        } catch (InterruptedException e) {
          p.cancel();
          response.cancel(true);
          return isClosed() ? Outcome.CLOSED : Outcome.CONNECTED;
        }
      } else if (idle) { // a dead connection the OS has not noticed, or a server that never answers
        log.log(System.Logger.Level.WARNING, "rollgate: no event or heartbeat for {0} s; reconnecting",
            settings.streamIdleTimeout().toSeconds());
        p.cancel();
        response.cancel(true);
        return status == 200 ? Outcome.CONNECTED : Outcome.UNREACHABLE;
      }
    }
  }

  /** Guarded by lock: events up to here are in the snapshot (fetched after them, or answered 304). */
  private long handled() {
    return Math.max(handledSeq, client.snapshotSeq());
  }

  private Outcome outcome(int status, Throwable cause) {
    if (status == 200) {
      return Outcome.CONNECTED;
    }
    if (status != 0) {
      client.error("the event stream was refused with HTTP " + status + "; polling the snapshot instead");
      lastEventId = -1; // resume from the snapshot fetched next (the id may be beyond a restored journal)
      return Outcome.REFUSED;
    }
    client.stale("event stream: " + describe(cause));
    return Outcome.UNREACHABLE;
  }

  private void setStatus(int status) {
    lock.lock();
    try {
      streamStatus = status;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void alive() {
    lastLineNanos = System.nanoTime();
  }

  @Override
  public void lastEventId(long id) {
    lastEventId = id;
  }

  @Override
  public void event(String type, long id, String data) {
    if ("server.shutdown".equals(type) || "stream.overflow".equals(type)) {
      SseParser p = parser;
      if (p != null) {
        p.cancel(); // the server closes it anyway; reconnect from the id it named
      }
      return;
    }
    if (!type.equals("policy.applied") && !type.startsWith("rollout.")) {
      return;
    }
    if (!settings.policies().isEmpty()) {
      try {
        String subject = mapper.readTree(data).path("subject").asText();
        if (!settings.policies().contains(subject)) {
          return;
        }
      } catch (IOException e) {
        // unreadable data: refetch to be safe
      }
    }
    lock.lock();
    try {
      wantedSeq = Math.max(wantedSeq, id);
      signal.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void ended(Throwable cause) {
    lock.lock();
    try {
      if (!streamEnded) {
        streamEnded = true;
        streamCause = cause;
      }
      signal.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** GET the snapshot, conditional on the ETag held; installs a new one, persists it. */
  private void fetch() throws IOException, InterruptedException {
    Snapshot held = client.serverSnapshot();
    boolean all = askForAll;
    HttpResponse<byte[]> r = get(snapshotUri(all), held == null ? null : held.etag());
    if (r.statusCode() == 404 && !all && !settings.policies().isEmpty()) {
      // one of our policies does not exist (yet): take them all and keep ours, so the others still work
      log.log(System.Logger.Level.WARNING, "rollgate: {0}; evaluating it gives the default until it exists",
          problemDetail(r));
      askForAll = true;
      r = get(snapshotUri(true), null);
    }
    switch (r.statusCode()) {
      case 200 -> {
        JsonNode body = mapper.readTree(r.body());
        String etag = r.headers().firstValue("ETag").orElse(null);
        Snapshot next = Snapshot.parse(body, etag, Snapshot.Source.SERVER, settings.clock().instant(),
            settings.policies(), client.currentSnapshot());
        if (askForAll && !settings.policies().isEmpty()
            && next.policies().keySet().containsAll(settings.policies())) {
          askForAll = false; // they all exist now: back to asking for ours only
        }
        client.install(next);
        client.synced();
        persist(next);
      }
      case 304 -> client.synced();
      default -> throw new IOException("GET /api/v1/sdk/snapshot answered HTTP " + r.statusCode() + ": "
          + problemDetail(r));
    }
  }

  private URI snapshotUri(boolean all) {
    return URI.create(base() + "/api/v1/sdk/snapshot" + (all ? "" : settings.snapshotQuery()));
  }

  private HttpResponse<byte[]> get(URI uri, String etag) throws IOException, InterruptedException {
    var b = HttpRequest.newBuilder(uri).timeout(settings.requestTimeout())
        .header("Authorization", "Bearer " + settings.token())
        .header("Accept", "application/json");
    if (etag != null) {
      b.header("If-None-Match", etag);
    }
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private void persist(Snapshot s) {
    if (settings.snapshotFile() == null) {
      return;
    }
    try {
      SnapshotFile.write(mapper, settings.snapshotFile(), s, s.fetchedAt());
    } catch (IOException | RuntimeException e) {
      client.error("cannot save the snapshot to " + settings.snapshotFile() + ": " + describe(e));
    }
  }

  // ---- outcomes and the fleet report -------------------------------------------------------------

  /**
   * Sends the outcome counts of every rollout the snapshot has (one request per policy, so one
   * refusal does not cost the others) and the fleet report. Counts that could not be delivered for
   * a passing reason (no answer, 5xx, 429) wait for the next flush; a 409 (the rollout is over) or
   * another refusal drops them. Never throws.
   */
  void flush() {
    if (settings.server() == null) {
      return;
    }
    synchronized (flushLock) {
      Snapshot s = client.currentSnapshot();
      if (s == null) {
        return;
      }
      for (CompiledPolicy p : s.policies().values()) {
        if (p.outcomes != null && p.outcomes.drain()) {
          sendOutcomes(p.outcomes);
        }
      }
      report(s);
    }
  }

  private void sendOutcomes(Outcomes o) {
    ArrayNode batch = mapper.createArrayNode();
    for (Variant v : Variant.values()) {
      long ok = o.carriedSuccess[v.ordinal()];
      long bad = o.carriedError[v.ordinal()];
      if (ok > 0 || bad > 0) {
        batch.addObject().put("policy", o.policy).put("variant", v.wire()).put("success", ok).put("error", bad);
      }
    }
    try {
      HttpResponse<byte[]> r = post("/api/v1/outcomes", batch);
      int status = r.statusCode();
      if (status == 200) {
        o.clearCarried();
      } else if (status == 409) {
        o.clearCarried(); // no active rollout any more: nothing would count them
      } else if (status >= 500 || status == 429) {
        client.error("outcomes for '" + o.policy + "' not delivered (HTTP " + status + "); kept for the next flush");
      } else {
        o.clearCarried();
        client.error("outcomes for '" + o.policy + "' refused with HTTP " + status + ": " + problemDetail(r));
      }
    } catch (IOException | RuntimeException e) {
      client.error("outcomes for '" + o.policy + "' not delivered (" + describe(e) + "); kept for the next flush");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void report(Snapshot s) {
    if (s.source() != Snapshot.Source.SERVER) {
      return; // serving a file: not what the server sent, so not part of its fleet yet
    }
    ObjectNode body = mapper.createObjectNode();
    body.put("client", settings.clientId());
    ObjectNode served = body.putObject("policies");
    Map<String, String> sorted = new TreeMap<>();
    s.policies().forEach((name, p) -> sorted.put(name, p.stateHash));
    sorted.entrySet().stream().limit(MAX_REPORTED).forEach(e -> served.put(e.getKey(), e.getValue()));
    try {
      HttpResponse<byte[]> r = post("/api/v1/sdk/report", body);
      if (r.statusCode() != 200) {
        client.error("fleet report refused with HTTP " + r.statusCode() + ": " + problemDetail(r));
      }
    } catch (IOException | RuntimeException e) {
      client.error("fleet report not delivered: " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HttpResponse<byte[]> post(String path, JsonNode body) throws IOException, InterruptedException {
    var req = HttpRequest.newBuilder(URI.create(base() + path)).timeout(settings.requestTimeout())
        .header("Authorization", "Bearer " + settings.token())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body)))
        .build();
    return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private String base() {
    String s = settings.server().toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** A full-jitter-free "equal jitter" backoff: half fixed, half random, doubling up to the maximum. */
  private Duration backoff(int failures) {
    long initial = settings.reconnectInitial().toMillis();
    long max = settings.reconnectMax().toMillis();
    long base = failures <= 0 ? initial : Math.min(max, initial << Math.min(failures, 20));
    long half = Math.max(1, base / 2);
    return Duration.ofMillis(half + settings.random().nextLong(half + 1));
  }

  /** Waits, unless closed first (close interrupts the wait). */
  private void pause(Duration d) {
    lock.lock();
    try {
      long nanos = d.toNanos();
      while (!closed && nanos > 0) {
        nanos = signal.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      // closing
    } finally {
      lock.unlock();
    }
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  private String problemDetail(HttpResponse<byte[]> r) {
    try {
      JsonNode p = mapper.readTree(r.body());
      if (p != null && p.hasNonNull("detail")) {
        return p.get("detail").asText();
      }
    } catch (IOException | RuntimeException e) {
      // not a problem document
    }
    return "HTTP " + r.statusCode();
  }

  static String describe(Throwable e) {
    if (e == null) {
      return "the connection closed";
    }
    Throwable t = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  /** Stops the thread and the stream; waits for the thread up to the request timeout. */
  void close() {
    lock.lock();
    try {
      closed = true;
      signal.signalAll();
    } finally {
      lock.unlock();
    }
    SseParser p = parser;
    if (p != null) {
      p.cancel();
    }
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(settings.requestTimeout().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Releases the HTTP client; after the last flush. */
  void shutdownHttp() {
    http.shutdownNow();
  }

  static long millis(Duration d) {
    return TimeUnit.NANOSECONDS.toMillis(d.toNanos());
  }
}
