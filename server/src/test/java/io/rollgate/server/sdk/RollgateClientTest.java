package io.rollgate.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.client.ClientEvent;
import io.rollgate.client.Evaluation;
import io.rollgate.client.Reason;
import io.rollgate.client.RollgateClient;
import io.rollgate.client.Variant;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.TestDatabases;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java SDK against a real in-process server: same answers, live updates, faults, outcomes, fleet. */
class RollgateClientTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<AutoCloseable> resources = new ArrayList<>();
  @TempDir
  Path dir;

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  private TestServer server() {
    return keep(TestServer.start());
  }

  private static RollgateClient.Builder client(String url) {
    return RollgateClient.builder().serverUrl(url).token(ADMIN)
        .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
        .random(RandomGenerator.of("L64X128MixRandom"));
  }

  private static void put(TestServer s, String name, String document) {
    var r = s.send("PUT", "/api/v1/policies/" + name, ADMIN, "{\"document\":" + document + "}");
    assertThat(r.status()).as("%s", r).isIn(200, 201);
    assertThat(r.json().path("applied").asBoolean()).as("%s", r).isTrue();
  }

  private static JsonNode startRollout(TestServer s, String policy, String delta, String extra) {
    var r = s.send("POST", "/api/v1/rollouts", ADMIN, "{\"policy\":\"" + policy + "\",\"delta\":" + delta
        + ",\"selfApproval\":true,\"stages\":[{\"name\":\"quarter\",\"percentage\":25,\"minDurationSeconds\":60,"
        + "\"maxErrorRate\":0.05},{\"name\":\"full\",\"percentage\":100,\"maxErrorRate\":0.05}]" + extra + "}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return r.json();
  }

  @Test
  void gives_every_subject_the_variant_the_servers_evaluate_endpoint_gives_under_a_25_percent_rollout() {
    TestServer s = server();
    put(s, "guardian-enforcement", "{\"enforce\":false,\"mode\":\"warn\"}");
    startRollout(s, "guardian-enforcement", "{\"enforce\":true}", "");
    RollgateClient client = keep(client(s.baseUrl()).policies("guardian-enforcement").build());

    int candidates = 0;
    List<String> subjects = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      subjects.add(i % 100 == 7 ? "ünïcødé-😀-" + i : "user-" + i);
    }
    for (String subject : subjects) {
      JsonNode server = s.get("/api/v1/evaluate/guardian-enforcement?subject="
          + URLEncoder.encode(subject, StandardCharsets.UTF_8), ADMIN).json();
      Evaluation local = client.evaluate("guardian-enforcement", subject);
      assertThat(local.variant().wire()).as(subject).isEqualTo(server.path("variant").asText());
      assertThat(local.stateHash()).as(subject).isEqualTo(server.path("stateHash").asText());
      assertThat(local.value()).as(subject).isEqualTo(server.path("value"));
      assertThat(local.rolloutId()).isEqualTo(server.path("rolloutId").asText());
      if (local.variant() == Variant.CANDIDATE) {
        candidates++;
        assertThat(local.version()).isNull();
      } else {
        assertThat(local.version()).isEqualTo(server.path("version").asInt());
      }
    }
    assertThat(candidates).as("about a quarter of 1,000").isBetween(200, 300);
    JsonNode noSubject = s.get("/api/v1/evaluate/guardian-enforcement", ADMIN).json();
    assertThat(client.evaluate("guardian-enforcement", null).variant().wire())
        .isEqualTo(noSubject.path("variant").asText()).isEqualTo("baseline");
  }

  @Test
  void a_change_on_the_server_is_served_locally_within_a_bounded_wait() throws InterruptedException {
    TestServer s = server();
    put(s, "limits", "{\"max\":0}");
    var changes = new java.util.concurrent.LinkedBlockingQueue<ClientEvent.Changed>();
    RollgateClient client = keep(client(s.baseUrl()).policies("limits")
        .listener(e -> {
          if (e instanceof ClientEvent.Changed c) {
            changes.add(c);
          }
        }).build());
    await().atMost(WAIT).until(() -> s.server().events().connectedClients() == 1);

    List<Long> micros = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      long start = System.nanoTime();
      put(s, "limits", "{\"max\":" + i + "}");
      ClientEvent.Changed c = changes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      long took = (System.nanoTime() - start) / 1000;
      assertThat(c).as("change %d arrived", i).isNotNull();
      assertThat(c.policies()).containsExactly("limits");
      assertThat(client.getLong("limits.max", "anyone", -1)).isEqualTo(i);
      assertThat(client.evaluate("limits", "anyone").version()).isEqualTo(i + 1);
      micros.add(took);
    }
    micros.sort(null);
    // the time from sending the PUT to the local snapshot holding it: commit, event, refetch
    System.out.printf("SDK propagation over 20 changes (PUT sent -> served locally): median %d us, max %d us%n",
        micros.get(10), micros.get(19));
    assertThat(client.isStale()).isFalse();
    assertThat(client.staleness()).isEqualTo(Duration.ZERO);
  }

  @Test
  void with_the_server_down_at_start_it_boots_from_the_persisted_snapshot_and_reports_stale() throws IOException {
    Path file = dir.resolve("state/snapshot.json");
    String url;
    Evaluation before;
    try (TestServer s = TestServer.start()) {
      put(s, "guardian-enforcement", "{\"enforce\":false}");
      startRollout(s, "guardian-enforcement", "{\"enforce\":true}", "");
      url = s.baseUrl();
      try (RollgateClient first = client(url).snapshotFile(file).build()) {
        before = first.evaluate("guardian-enforcement", "user-2");
        assertThat(Files.exists(file)).as("saved after the first snapshot").isTrue();
      }
    }
    List<ClientEvent> events = new CopyOnWriteArrayList<>();

    RollgateClient offline = keep(client(url).snapshotFile(file).connectTimeout(Duration.ofSeconds(2))
        .listener(events::add).build());

    assertThat(offline.isReady()).isTrue();
    assertThat(offline.isStale()).isTrue();
    assertThat(events).first().isInstanceOf(ClientEvent.Stale.class);
    assertThat(offline.lastError()).hasValueSatisfying(e -> assertThat(e).contains("ConnectException"));
    Evaluation after = offline.evaluate("guardian-enforcement", "user-2");
    assertThat(after.variant()).isEqualTo(before.variant());
    assertThat(after.stateHash()).isEqualTo(before.stateHash());
    assertThat(after.rolloutId()).isEqualTo("guardian-enforcement-1");
    assertThat(offline.staleness()).isGreaterThanOrEqualTo(Duration.ZERO);
  }

  @Test
  void a_corrupt_snapshot_file_is_ignored_and_replaced_by_the_servers_snapshot() throws IOException {
    TestServer s = server();
    put(s, "limits", "{\"max\":3}");
    Path file = dir.resolve("snapshot.json");
    Files.writeString(file, "{\"format\":1,\"snapshot\":{\"seq\":\"x\"");

    RollgateClient client = keep(client(s.baseUrl()).snapshotFile(file).build());

    assertThat(client.getLong("limits.max", "u", -1)).isEqualTo(3);
    JsonNode saved = Json.mapper().readTree(file.toFile());
    assertThat(saved.path("snapshot").path("policies").path("limits").path("version").asInt()).isEqualTo(1);
  }

  @Test
  void a_server_restart_mid_stream_keeps_serving_then_resumes_after_the_last_event_id_without_a_gap()
      throws IOException {
    Path data = TestDatabases.newTempDir();
    TestServer first = TestServer.start(null, c -> c.withDataDir(data));
    put(first, "limits", "{\"max\":1}");
    TcpProxy proxy = keep(new TcpProxy(first.port()));
    List<ClientEvent> events = new CopyOnWriteArrayList<>();
    RollgateClient client = keep(client(proxy.url()).policies("limits").listener(events::add).build());
    await().atMost(WAIT).until(() -> first.server().events().connectedClients() == 1);
    put(first, "limits", "{\"max\":2}");
    await().atMost(WAIT).until(() -> client.getLong("limits.max", "u", -1) == 2);
    long seenBeforeStop = first.journalHead();

    first.close();
    await().atMost(WAIT).until(client::isStale);
    assertThat(client.getLong("limits.max", "u", -1)).as("keeps serving").isEqualTo(2);
    int requestsBeforeRestart = proxy.eventRequests().size();

    TestServer second = keep(TestServer.start(null, c -> c.withDataDir(data)));
    proxy.target(second.port());
    for (int i = 3; i <= 5; i++) {
      put(second, "limits", "{\"max\":" + i + "}");
    }
    await().atMost(WAIT).until(() -> client.getLong("limits.max", "u", -1) == 5);
    await().atMost(WAIT).until(() -> !client.isStale());
    assertThat(client.evaluate("limits", "u").version()).isEqualTo(5);

    // it came back on the stream
    await().atMost(WAIT).until(() -> second.server().events().connectedClients() == 1);
    List<String> resumed = proxy.eventRequests().subList(requestsBeforeRestart, proxy.eventRequests().size());
    assertThat(resumed).isNotEmpty();
    // it resumes after the last id it had, or — when a snapshot poll got in first while the stream was
    // down — after that snapshot's seq: never from the start, never earlier than what it has
    assertThat(lastEventId(resumed.get(0))).isBetween(seenBeforeStop, second.journalHead());
    for (int i = 1; i < resumed.size(); i++) {
      assertThat(lastEventId(resumed.get(i))).as(resumed.toString()).isGreaterThanOrEqualTo(lastEventId(resumed.get(i - 1)));
    }
    put(second, "limits", "{\"max\":6}");
    await().atMost(WAIT).until(() -> client.getLong("limits.max", "u", -1) == 6);
    assertThat(events).filteredOn(e -> e instanceof ClientEvent.Stale).hasSize(1);
    assertThat(events.get(events.size() - 1)).isInstanceOf(ClientEvent.Changed.class);
    assertThat(events).filteredOn(e -> e instanceof ClientEvent.Ready).hasSizeGreaterThanOrEqualTo(2);
  }

  private static long lastEventId(String request) {
    var m = java.util.regex.Pattern.compile("lastEventId=(\\d+)").matcher(request);
    assertThat(m.find()).as(request).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void an_unknown_policy_gives_the_default_with_a_reason_and_is_served_once_created() {
    TestServer s = server();
    put(s, "limits", "{\"max\":3}");

    RollgateClient client = keep(client(s.baseUrl()).policies("limits", "later").build());

    assertThat(client.isReady()).isTrue();
    assertThat(client.getLong("limits.max", "u", -1)).as("the known one works").isEqualTo(3);
    Evaluation later = client.evaluate("later", "u");
    assertThat(later.reason()).isEqualTo(Reason.UNKNOWN_POLICY);
    assertThat(later.detail()).contains("policy 'later' is not in the snapshot");
    assertThat(client.getLong("later.max", "u", 42)).isEqualTo(42);

    put(s, "later", "{\"max\":7}");
    await().atMost(WAIT).until(() -> client.getLong("later.max", "u", 42) == 7);
  }

  @Test
  void polling_with_the_etag_instead_of_streaming_also_picks_up_changes() {
    TestServer s = server();
    put(s, "limits", "{\"max\":1}");
    RollgateClient client = keep(client(s.baseUrl()).streaming(false).build());
    assertThat(s.server().events().connectedClients()).isZero();

    put(s, "limits", "{\"max\":2}");

    await().atMost(WAIT).until(() -> client.getLong("limits.max", "u", -1) == 2);
    assertThat(s.server().events().connectedClients()).isZero();
  }

  @Test
  void outcomes_recorded_by_the_sdk_drive_the_rollouts_analysis_to_an_advance() {
    TestServer s = server();
    put(s, "guardian-enforcement", "{\"enforce\":false}");
    String id = startRollout(s, "guardian-enforcement", "{\"enforce\":true}",
        ",\"analysis\":{\"intervalSeconds\":60,\"minSamples\":20}").path("id").asText();
    String operator = s.token("app", "operator");
    RollgateClient client = keep(RollgateClient.builder().serverUrl(s.baseUrl()).token(operator)
        .policies("guardian-enforcement").build());

    int candidates = 0;
    for (int i = 0; i < 400; i++) {
      String subject = "user-" + i;
      if (client.evaluate("guardian-enforcement", subject).variant() == Variant.CANDIDATE) {
        candidates++;
      }
      if (i % 100 == 0) {
        client.recordError("guardian-enforcement", subject); // a few errors, far below 5%
      } else {
        client.recordSuccess("guardian-enforcement", subject);
      }
    }
    client.flush();
    s.clock().advance(Duration.ofSeconds(60));
    s.server().rollouts().tick();

    JsonNode status = s.get("/api/v1/rollouts/" + id, ADMIN).json();
    assertThat(status.path("stageIndex").asInt()).as("%s", status).isEqualTo(1);
    assertThat(status.path("percentage").asInt()).isEqualTo(100);
    JsonNode evidence = status.path("transitions").get(status.path("transitions").size() - 1).path("evidence");
    assertThat(evidence.path("verdict").asText()).as("%s", evidence).isEqualTo("PASS");
    assertThat(evidence.path("samples").asLong()).as("the candidate's requests, as the SDK counted them")
        .isEqualTo(candidates);
    // the advance reaches the client: everyone with a subject gets the candidate now
    await().atMost(WAIT).until(() -> client.evaluate("guardian-enforcement", "user-1").variant() == Variant.CANDIDATE);
    assertThat(client.lastError()).isEmpty();
  }

  @Test
  void two_clients_show_as_converged_on_the_policy_and_in_metrics_after_a_change() {
    TestServer s = server();
    put(s, "limits", "{\"max\":1}");
    RollgateClient a = keep(client(s.baseUrl()).policies("limits").flushInterval(Duration.ofMillis(50)).build());
    RollgateClient b = keep(client(s.baseUrl()).policies("limits").flushInterval(Duration.ofMillis(50)).build());

    put(s, "limits", "{\"max\":2}");
    String hash = s.get("/api/v1/policies/limits", ADMIN).json().path("stateHash").asText();

    await().atMost(WAIT).untilAsserted(() -> {
      JsonNode fleet = s.get("/api/v1/policies/limits", ADMIN).json().path("fleet");
      assertThat(fleet.path("clients").asInt()).isEqualTo(2);
      assertThat(fleet.path("stateHashes").size()).isEqualTo(1);
      assertThat(fleet.path("stateHashes").path(hash).asInt()).isEqualTo(2);
      assertThat(fleet.path("converged").asBoolean()).isTrue();
    });
    assertThat(s.get("/metrics", null).body())
        .contains("rollgate_sdk_clients{policy=\"limits\",state_hash=\"" + hash + "\"} 2.0");
    assertThat(a.clientId()).isNotEqualTo(b.clientId());
  }

  @Test
  void close_flushes_the_counts_once_more() throws InterruptedException {
    TestServer s = server();
    put(s, "limits", "{\"max\":1}");
    String id = startRollout(s, "limits", "{\"max\":2}", ",\"analysis\":{\"intervalSeconds\":60,\"minSamples\":1}")
        .path("id").asText();
    var latch = new CountDownLatch(1);
    try (RollgateClient client = client(s.baseUrl()).flushInterval(Duration.ofSeconds(60)).listener(e -> {
      if (e instanceof ClientEvent.Ready) {
        latch.countDown();
      }
    }).build()) {
      assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 50; i++) {
        client.recordSuccess("limits", "user-" + i);
      }
    }
    long[] baseline = s.server().rolloutStore().outcomeTotals(id, io.rollgate.rollout.Variant.BASELINE,
        s.clock().instant().minusSeconds(1));
    long[] candidate = s.server().rolloutStore().outcomeTotals(id, io.rollgate.rollout.Variant.CANDIDATE,
        s.clock().instant().minusSeconds(1));
    assertThat(baseline[0] + candidate[0]).isEqualTo(50);
  }
}
