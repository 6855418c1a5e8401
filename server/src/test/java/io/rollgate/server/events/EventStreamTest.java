package io.rollgate.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.server.events.SseClient.Frame;
import io.rollgate.server.http.HttpApi;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.WriterGate;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /api/v1/events} end to end against the in-process server on SQLite: the wire format,
 * resume, the replay-to-live handoff, filters, heartbeats, overflow, shutdown and refusals.
 */
class EventStreamTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final Map<String, String> NONE = Map.of();

  private TestServer server;
  private final List<SseClient> clients = new ArrayList<>();

  @AfterEach
  void stop() {
    clients.forEach(SseClient::close);
    if (server != null) {
      server.close();
    }
  }

  private void start(UnaryOperator<EventsConfig> events) {
    server = TestServer.start(null, cfg -> cfg.withEvents(events.apply(EventsConfig.DEFAULTS)));
  }

  private EventHub hub() {
    return server.server().events();
  }

  private SseClient open(String query, Map<String, String> headers) {
    var c = SseClient.connect(server.port(), EventStreamHandler.PATH + query, ADMIN, headers);
    clients.add(c);
    assertThat(c.status).as("status of the event stream %s", query).isEqualTo(200);
    return c;
  }

  /** Opens a stream and checks its first block: the retry hint and the id it starts after. */
  private SseClient openAt(String query, Map<String, String> headers, long expectedStart) {
    var c = open(query, headers);
    Frame first = c.next();
    assertThat(first.retry()).isEqualTo(Long.toString(EventsConfig.DEFAULTS.retry().toMillis()));
    assertThat(first.id()).isEqualTo(Long.toString(expectedStart));
    assertThat(first.isEvent()).isFalse();
    return c;
  }

  private long append(String type, String subject) {
    return server.server().journal().execute(tx -> tx.append(type, subject, "test", Json.object().put("n", 1)));
  }

  private List<Long> appendMany(int n) {
    var out = new ArrayList<Long>();
    for (int i = 0; i < n; i++) {
      out.add(append("policy.applied", "p" + i));
    }
    return out;
  }

  static List<Long> seqs(List<Frame> frames) {
    return frames.stream().map(Frame::seq).toList();
  }

  static List<Long> range(long fromInclusive, long toInclusive) {
    return LongStream.rangeClosed(fromInclusive, toInclusive).boxed().toList();
  }

  /** Gaps and duplicates in {@code seqs} as a client resuming after {@code after} received them. */
  static List<String> violations(long after, List<Long> seqs) {
    var out = new ArrayList<String>();
    long expect = after + 1;
    for (long s : seqs) {
      if (s < expect) {
        out.add("duplicate " + s);
      } else if (s > expect) {
        out.add("gap " + expect + ".." + (s - 1));
      }
      expect = Math.max(expect, s + 1);
    }
    return out;
  }

  @Test
  void liveChangeArrivesWithTheJournalSeqAsIdAndTheEntryAsOneLineOfJson() {
    start(UnaryOperator.identity());
    long head = server.journalHead();
    var c = openAt("", NONE, head);
    assertThat(c.header("content-type")).startsWith("text/event-stream");
    assertThat(c.header("cache-control")).isEqualTo("no-cache");
    assertThat(c.header("x-accel-buffering")).isEqualTo("no");
    assertThat(c.header("content-encoding")).as("the request offered gzip; SSE must not be compressed").isNull();

    var put = server.send("PUT", "/api/v1/policies/limits", ADMIN,
        "{\"document\":{\"max\":1},\"reason\":\"two\\nlines\\r\\nhere\"}");
    assertThat(put.status()).as("%s", put).isEqualTo(201);
    Frame e = c.nextEvent();
    assertThat(e.event()).isEqualTo("policy.applied");
    assertThat(e.seq()).isEqualTo(head + 1);
    JsonNode data = e.json(); // exactly one data line although the reason has line breaks
    assertThat(ApiFields.names(data)).containsExactly("seq", "type", "subject", "actor", "recordedAt", "payload");
    JsonNode entry = server.get("/api/v1/audit?afterSeq=" + head + "&limit=1", ADMIN).json().get("entries").get(0);
    assertThat(data.get("seq").asLong()).isEqualTo(head + 1);
    assertThat(data.get("type").asText()).isEqualTo("policy.applied");
    assertThat(data.get("subject").asText()).isEqualTo("limits");
    assertThat(data.get("actor")).isEqualTo(entry.get("actor"));
    assertThat(data.get("recordedAt").asText()).isEqualTo("2025-01-01T00:00:00Z").isEqualTo(entry.get("recordedAt").asText());
    assertThat(data.get("payload")).isEqualTo(entry.get("payload"));
    assertThat(data.get("payload").get("reason").asText()).isEqualTo("two\nlines\r\nhere");
    assertThat(hub().eventsDelivered()).isEqualTo(1);
    assertThat(hub().connectedClients()).isEqualTo(1);
  }

  /** The exact bytes, read by the JDK's own HTTP client line by line. */
  @Test
  void aStandardHttpClientReadsTheExactWireFormat() throws Exception {
    start(UnaryOperator.identity());
    long head = server.journalHead();
    HttpClient http = HttpClient.newHttpClient();
    var req = HttpRequest.newBuilder(URI.create(server.baseUrl() + EventStreamHandler.PATH))
        .header("Authorization", "Bearer " + ADMIN).timeout(Duration.ofSeconds(20)).build();
    HttpResponse<Stream<String>> r = http.send(req, HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    Iterator<String> lines = r.body().iterator();
    var created = server.send("POST", "/api/v1/tokens", ADMIN, "{\"name\":\"ci\",\"role\":\"viewer\"}");
    assertThat(created.status()).isEqualTo(201);
    List<String> got = CompletableFuture.supplyAsync(() -> {
      var out = new ArrayList<String>();
      for (int i = 0; i < 7; i++) {
        out.add(lines.next());
      }
      return out;
    }).get(20, TimeUnit.SECONDS);
    assertThat(got.subList(0, 5)).containsExactly("retry: 3000", "id: " + head, "", "event: token.created",
        "id: " + (head + 1));
    assertThat(got.get(5)).startsWith("data: {\"seq\":" + (head + 1) + ",\"type\":\"token.created\",\"subject\":\"token:ci\",");
    assertThat(got.get(6)).isEmpty();
    r.body().close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"header", "query"})
  void resumeReplaysExactlyTheMissedEventsInPagesThenLiveOnes(String how) {
    start(cfg -> cfg.withReplayPageSize(2));
    List<Long> written = appendMany(7);
    long after = written.get(1);
    var c = how.equals("header")
        ? openAt("", Map.of("Last-Event-ID", Long.toString(after)), after)
        : openAt("?lastEventId=" + after, NONE, after);
    long live = append("policy.frozen", "p9");
    List<Long> got = seqs(c.eventsThrough(live));
    var expected = new ArrayList<>(written.subList(2, 7));
    expected.add(live);
    assertThat(got).containsExactlyElementsOf(expected);
  }

  @Test
  void resumeFromZeroReplaysTheWholeJournal() {
    start(UnaryOperator.identity());
    appendMany(3);
    long head = server.journalHead();
    var c = openAt("", Map.of("Last-Event-ID", "0"), 0);
    List<Frame> got = c.eventsThrough(head);
    assertThat(seqs(got)).containsExactlyElementsOf(range(1, head));
    assertThat(got.get(0).event()).as("the first entry registers the admin token").isEqualTo("token.created");
  }

  @Test
  void theLastEventIdHeaderWinsOverTheQueryParameter() {
    start(UnaryOperator.identity());
    List<Long> written = appendMany(4);
    // an EventSource opened with ?lastEventId=… sends the header on reconnect; that is the newer position
    var c = openAt("?lastEventId=0", Map.of("Last-Event-ID", Long.toString(written.get(2))), written.get(2));
    assertThat(seqs(c.eventsThrough(written.get(3)))).containsExactly(written.get(3));
  }

  /**
   * Entries committed exactly at the handoff, after subscribing and before the head is read: the
   * correct handoff sends each once; the broken ones lose them (subscribing after the replay) or
   * send them twice (no skip of what the replay sent). The same check catches both.
   */
  @ParameterizedTest
  @EnumSource(EventHub.Handoff.class)
  void entriesCommittedAtTheHandoffArriveExactlyOnce(EventHub.Handoff handoff) {
    start(UnaryOperator.identity());
    List<Long> written = appendMany(3);
    long after = written.get(0);
    var atHandoff = new java.util.concurrent.CopyOnWriteArrayList<Long>();
    var handedOff = new java.util.concurrent.CountDownLatch(1);
    hub().handoffForTest(handoff, () -> {
      atHandoff.add(append("policy.applied", "handoff-1"));
      atHandoff.add(append("policy.applied", "handoff-2"));
      handedOff.countDown();
    });
    var c = openAt("", Map.of("Last-Event-ID", Long.toString(after)), after);
    // the pause may still be running (REPLAY_FIRST pauses after the stream started): let it finish and subscribe
    await().atMost(Duration.ofSeconds(10)).until(() -> handedOff.getCount() == 0 && hub().subscribers() == 1);
    long live = append("policy.applied", "after");
    List<Long> got = seqs(c.eventsThrough(live));
    assertThat(atHandoff).hasSize(2);
    switch (handoff) {
      case LIVE_FIRST -> {
        assertThat(violations(after, got)).isEmpty();
        assertThat(got).containsExactlyElementsOf(range(after + 1, live));
      }
      case REPLAY_FIRST -> {
        // the first is lost for sure; the second's listener may run after the late subscribe (listeners
        // run after the committer returns), so it may or may not arrive
        assertThat(violations(after, got)).singleElement().asString().startsWith("gap " + atHandoff.get(0) + "..");
        assertThat(got).doesNotContain(atHandoff.get(0));
      }
      case NO_DEDUP -> assertThat(violations(after, got))
          .containsExactly("duplicate " + atHandoff.get(0), "duplicate " + atHandoff.get(1));
    }
  }

  @Test
  void filtersByExactTypePrefixAndSubject() {
    start(UnaryOperator.identity());
    long head = server.journalHead();
    var frozen = openAt("?types=policy.frozen,token.created", NONE, head);
    var policies = openAt("?types=policy.*", NONE, head);
    var subjectB = openAt("?subject=b", NONE, head);
    var both = openAt("?types=policy.applied&subject=a", NONE, head);

    long a1 = append("policy.applied", "a");
    long b1 = append("policy.applied", "b");
    long aFrozen = append("policy.frozen", "a");
    long token = append("token.created", "token:x");
    long bSkipped = append("policy.skipped", "b");
    long a2 = append("policy.applied", "a");
    long end = append("policy.frozen", "b");

    assertThat(seqs(frozen.eventsThrough(end))).containsExactly(aFrozen, token, end);
    assertThat(seqs(policies.eventsThrough(end))).containsExactly(a1, b1, aFrozen, bSkipped, a2, end);
    assertThat(seqs(subjectB.eventsThrough(end))).containsExactly(b1, bSkipped, end);
    assertThat(seqs(both.eventsThrough(a2))).containsExactly(a1, a2);
    // the replay filters the same way
    var replayed = openAt("?types=policy.frozen&lastEventId=" + head, NONE, head);
    assertThat(seqs(replayed.eventsThrough(end))).containsExactly(aFrozen, end);
  }

  /**
   * With nothing to send, a comment keeps the connection alive; entries the filter dropped move
   * the heartbeat's id, so a client that resumes does not have them replayed and filtered again.
   */
  @Test
  void heartbeatsKeepAQuietStreamOpenAndCarryThePositionPastFilteredEntries() {
    start(cfg -> cfg.withHeartbeatInterval(Duration.ofMillis(100)));
    long head = server.journalHead();
    var c = openAt("?types=token.created", NONE, head);
    Frame beat = c.next();
    assertThat(beat.comments()).containsExactly("heartbeat");
    assertThat(beat.id()).as("nothing new: the heartbeat carries no id").isNull();
    assertThat(beat.isEvent()).isFalse();

    long filtered = appendMany(3).get(2);
    Frame moved = c.next();
    assertThat(moved.comments()).containsExactly("heartbeat");
    assertThat(moved.id()).isEqualTo(Long.toString(filtered));
    assertThat(moved.isEvent()).as("an id-only block updates the client's last id without an event").isFalse();
    Frame next = c.next();
    assertThat(next.comments()).containsExactly("heartbeat");
    assertThat(next.id()).as("the id is sent once per position").isNull();
  }

  /** A replay the filter drops entirely still writes heartbeats, and their ids record its progress. */
  @Test
  void aLongFilteredReplayWritesHeartbeatsThatCarryItsProgress() {
    start(cfg -> cfg.withReplayPageSize(1).withHeartbeatInterval(Duration.ofNanos(1))); // a heartbeat after every page
    long after = server.journalHead();
    List<Long> written = appendMany(5);
    var c = openAt("?types=token.created", Map.of("Last-Event-ID", Long.toString(after)), after);
    var ids = new ArrayList<Long>();
    while (ids.isEmpty() || ids.get(ids.size() - 1) < written.get(4)) {
      Frame f = c.next();
      assertThat(f.isEvent()).as("%s", f).isFalse();
      assertThat(f.comments()).containsExactly("heartbeat");
      if (f.id() != null) {
        ids.add(f.seq());
      }
    }
    assertThat(ids).containsExactlyElementsOf(written);
  }

  /** Deterministic overflow: one batch larger than the buffer, delivered to a client reading normally. */
  @Test
  void aBatchLargerThanTheBufferOverflowsTheClientWhichResumesWithNothingMissed() {
    start(cfg -> cfg.withBufferCapacity(2));
    long head = server.journalHead();
    var c = openAt("", NONE, head);
    var futures = new ArrayList<CompletableFuture<Long>>();
    try (var gate = WriterGate.hold(server.server().journal())) {
      for (int i = 0; i < 5; i++) {
        String subject = "batch" + i;
        futures.add(server.server().journal().submit(tx -> tx.append("policy.applied", subject, "test", Json.object())));
      }
      gate.release(); // the five commit as one batch: two fit the buffer, the third overflows it
    }
    futures.forEach(CompletableFuture::join);
    List<Frame> got = c.eventsUntil(f -> f.event().equals(EventTypes.STREAM_OVERFLOW));
    Frame overflow = got.get(got.size() - 1);
    List<Long> delivered = seqs(got.subList(0, got.size() - 1));
    assertThat(delivered).containsExactly(head + 1, head + 2);
    assertThat(overflow.id()).isEqualTo(Long.toString(head + 2));
    assertThat(overflow.json().get("lastEventId").asLong()).isEqualTo(head + 2);
    assertThat(overflow.json().get("capacity").asInt()).isEqualTo(2);
    assertThat(overflow.json().get("detail").asText()).contains("Last-Event-ID: " + (head + 2));
    assertThat(c.awaitEnd()).as("the server ends the response properly").isTrue();
    assertThat(hub().overflowDisconnects()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> hub().connectedClients() == 0);

    var resumed = openAt("", Map.of("Last-Event-ID", overflow.id()), head + 2);
    assertThat(seqs(resumed.eventsThrough(head + 5))).containsExactly(head + 3, head + 4, head + 5);
  }

  /**
   * A client that stops reading: its socket fills, its thread blocks writing, its buffer fills and
   * it is cut off, while the journal keeps committing at full speed. When it reads again it gets
   * what was sent, then stream.overflow; resuming from that id misses nothing.
   */
  @Test
  void aSlowClientNeverBlocksTheWriterAndResumesAfterItsOverflowWithNothingMissed() {
    start(cfg -> cfg.withBufferCapacity(8));
    long head = server.journalHead();
    var slow = SseClient.connect(server.port(), EventStreamHandler.PATH, ADMIN, NONE, 4096, false);
    clients.add(slow);
    assertThat(slow.status).isEqualTo(200);

    // about 13 MB of events: more than the loopback socket buffers (4 MB send, a few KB receive) hold.
    // One commit at a time, so each batch is one entry: only a client that stopped taking them can overflow.
    String big = "x".repeat(32 * 1024);
    int n = 400;
    long started = System.nanoTime();
    for (int i = 0; i < n; i++) {
      String subject = "big" + i;
      server.server().journal().execute(tx -> tx.append("policy.applied", subject, "test", Json.object().put("blob", big)));
    }
    long commitMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(server.journalHead()).isEqualTo(head + n);
    await().atMost(Duration.ofSeconds(20)).until(() -> hub().overflowDisconnects() == 1);
    System.out.printf("slow client: %d entries of 32 KB committed in %d ms while the client read nothing%n", n,
        commitMillis);

    slow.startReading();
    List<Frame> got = slow.eventsUntil(f -> f.event().equals(EventTypes.STREAM_OVERFLOW));
    Frame overflow = got.get(got.size() - 1);
    List<Long> first = seqs(got.subList(0, got.size() - 1));
    long last = overflow.seq();
    assertThat(first).as("what the slow client got before its overflow").hasSizeLessThan(n);
    assertThat(violations(head, first)).isEmpty();
    assertThat(last).isEqualTo(first.isEmpty() ? head : first.get(first.size() - 1));
    assertThat(overflow.json().get("lastEventId").asLong()).isEqualTo(last);
    assertThat(slow.awaitEnd()).isTrue();

    var resumed = openAt("", Map.of("Last-Event-ID", Long.toString(last)), last);
    var all = new ArrayList<>(first);
    all.addAll(seqs(resumed.eventsThrough(head + n)));
    assertThat(all).containsExactlyElementsOf(range(head + 1, head + n));
  }

  @Test
  void closingTheHubSendsServerShutdownAndEndsEveryStream() {
    start(UnaryOperator.identity());
    long head = server.journalHead();
    var all = openAt("", NONE, head);
    var filtered = openAt("?types=token.created", NONE, head);
    long seq = append("policy.applied", "x");
    assertThat(seqs(all.eventsThrough(seq))).containsExactly(seq);
    await().atMost(Duration.ofSeconds(10)).until(() -> hub().connectedClients() == 2);

    hub().close();
    for (var c : List.of(all, filtered)) {
      Frame shutdown = c.nextEvent();
      assertThat(shutdown.event()).isEqualTo(EventTypes.SERVER_SHUTDOWN);
      assertThat(shutdown.id()).isEqualTo(Long.toString(seq));
      assertThat(shutdown.json().get("reason").asText()).isEqualTo("draining");
      assertThat(shutdown.json().get("lastEventId").asLong()).isEqualTo(seq);
      assertThat(c.awaitEnd()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> hub().connectedClients() == 0);

    var late = openAt("", NONE, seq);
    assertThat(late.nextEvent().event()).isEqualTo(EventTypes.SERVER_SHUTDOWN);
    assertThat(late.awaitEnd()).isTrue();
  }

  /** RollgateServer.close() ends the streams first, so the graceful HTTP stop does not wait out its grace period. */
  @Test
  void stoppingTheServerDoesNotWaitForOpenStreams() {
    start(UnaryOperator.identity());
    var c = openAt("", NONE, server.journalHead());
    long started = System.nanoTime();
    server.server().close();
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(c.nextEvent().event()).isEqualTo(EventTypes.SERVER_SHUTDOWN);
    assertThat(c.awaitEnd()).isTrue();
    assertThat(millis).as("close() took %d ms; the HTTP grace period is %d ms", millis,
        HttpApi.SHUTDOWN_GRACE.toMillis())
        .isLessThan(HttpApi.SHUTDOWN_GRACE.toMillis());
    server = null; // closed already; its data directory is a temp directory
  }

  /**
   * A client that reads nothing and has a full socket cannot take its server.shutdown: its thread
   * is blocked writing. Jetty's stop fails that write (it closes the connection), so the stream
   * ends and the stop does not wait out its grace period, after which Javalin would throw and the
   * journal would not be drained. A guard against a change (an async stream, a lock held while
   * writing) that would make such a client hold the shutdown.
   */
  @Test
  void aClientThatNeverReadsDoesNotHoldUpShutdown() {
    start(cfg -> cfg.withBufferCapacity(100_000)); // no overflow: the stream thread stays blocked writing
    var stuck = SseClient.connect(server.port(), EventStreamHandler.PATH, ADMIN, NONE, 4096, false);
    clients.add(stuck);
    String big = "x".repeat(32 * 1024);
    int n = 400;
    var futures = new ArrayList<CompletableFuture<Long>>();
    for (int i = 0; i < n; i++) {
      futures.add(server.server().journal().submit(
          tx -> tx.append("policy.applied", "big", "test", Json.object().put("blob", big))));
    }
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();
    // a stream that could write would send the rest in milliseconds; one still short of n a second later is blocked
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(20)).until(() -> hub().eventsDelivered() < n);

    long started = System.nanoTime();
    server.server().close(); // would throw when the HTTP stop times out
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertThat(millis).as("close() took %d ms", millis).isLessThan(HttpApi.SHUTDOWN_GRACE.toMillis());
    assertThat(hub().connectedClients()).isZero();
    stuck.startReading();
    assertThat(stuck.awaitEnd()).as("the connection was cut, not ended with a last chunk").isFalse();
    server = null;
  }

  @Test
  void aViewerMayListenAndNoTokenIsA401Problem() {
    start(UnaryOperator.identity());
    String viewer = server.token("watcher", "viewer");
    var c = SseClient.connect(server.port(), EventStreamHandler.PATH, viewer, NONE);
    clients.add(c);
    assertThat(c.status).isEqualTo(200);

    var r = server.get(EventStreamHandler.PATH, null);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.header("WWW-Authenticate")).hasValue("Bearer realm=\"rollgate\"");
  }

  @Test
  void badResumePointsFiltersAndSubjectsAre400ProblemsNotStreams() {
    start(UnaryOperator.identity());
    appendMany(2);
    long head = server.journalHead();
    record Case(String query, String lastEventId, String field, String detail) {}
    var cases = List.of(
        new Case("", "abc", "Last-Event-ID", "must be a journal sequence number"),
        new Case("", "-1", "Last-Event-ID", "must be a journal sequence number"),
        new Case("", "1.5", "Last-Event-ID", "must be a journal sequence number"),
        new Case("", "12345678901234567890", "Last-Event-ID", "at most 19 digits"),
        new Case("", "9999999999999999999", "Last-Event-ID", "larger than the largest sequence number"),
        new Case("", Long.toString(head + 1), "Last-Event-ID", "'Last-Event-ID' " + (head + 1)
            + " is beyond the journal head " + head),
        new Case("?lastEventId=x", null, "lastEventId", "'lastEventId' must be a journal sequence number"),
        new Case("?lastEventId=" + (head + 7), null, "lastEventId", "is beyond the journal head " + head),
        new Case("?types=policy.aplied", null, "types", "unknown event type 'policy.aplied'; known types: "
            + String.join(", ", EventTypes.ALL)),
        new Case("?types=polic.*", null, "types", "unknown event type 'polic.*'"),
        new Case("?types=policy.applied,,policy.frozen", null, "types", "empty entry"),
        new Case("?subject=" + "s".repeat(201), null, "subject", "'subject' is 201 characters long; at most 200"),
        new Case("?subject=", null, "subject", "must not be empty"));
    for (Case k : cases) {
      var req = HttpRequest.newBuilder(URI.create(server.baseUrl() + EventStreamHandler.PATH + k.query()))
          .header("Authorization", "Bearer " + ADMIN).timeout(Duration.ofSeconds(20)).GET();
      if (k.lastEventId() != null) {
        req.header("Last-Event-ID", k.lastEventId());
      }
      var r = server.send(req.build());
      assertThat(r.status()).as("%s -> %s", k, r).isEqualTo(400);
      assertThat(r.contentType()).as("%s", k).startsWith("application/problem+json");
      assertThat(r.json().get("field").asText()).as("%s", k).isEqualTo(k.field());
      assertThat(r.json().get("detail").asText()).as("%s", k).contains(k.detail());
    }
    assertThat(hub().subscribers()).as("refused requests leave no subscriber behind").isZero();
    assertThat(hub().connectedClients()).isZero();
  }

  /** Field names of a JSON object, in order. */
  static final class ApiFields {
    static List<String> names(JsonNode n) {
      var out = new ArrayList<String>();
      n.fieldNames().forEachRemaining(out::add);
      return out;
    }
  }
}
