package io.rollgate.server.attest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attestor against a real server's store: incremental and full passes, tampering found and
 * journaled once, recovery journaled, an unreadable store reported as an error and not journaled,
 * and the verdict in /health and in the attestor's metrics. Each test drives its own Attestor with
 * {@code runOnce()}; the server's own attestor runs once at start and then not again within a test.
 */
class AttestorTest {
  private TestServer server;
  private PrometheusRegistry registry;
  private Attestor attestor;

  @BeforeEach
  void start() {
    server = TestServer.start(null, cfg -> cfg.withAttestInterval(Duration.ofHours(1)));
    await().atMost(Duration.ofSeconds(30))
        .until(() -> !(server.server().attestor().lastVerdict() instanceof Attestor.Verdict.Pending));
    registry = new PrometheusRegistry();
    var s = server.server();
    attestor = new Attestor(s.journalReader(), s.policies(), s.journal(), server.clock(),
        new Attestor.Settings(Duration.ofHours(1), 3), registry);
    apply("alpha", 1);
    apply("beta", 1);
  }

  @AfterEach
  void stop() {
    attestor.close();
    server.close();
  }

  private void apply(String policy, int max) {
    server.server().policies().put(PolicyName.of(policy), Json.object().put("max", max), "test", "alice");
  }

  private void sql(String statement) {
    server.server().database().reads().useHandle(h -> h.execute(statement));
  }

  private List<JournalEntry> entries(String type) {
    return server.server().journalReader().page(0, 1000).stream().filter(e -> e.type().equals(type)).toList();
  }

  private String metrics() {
    var out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private double metric(String series) {
    return metrics().lines().filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .findFirst().orElseThrow(() -> new AssertionError(series + " not in\n" + metrics()));
  }

  @Test
  void the_first_run_is_a_full_pass_and_the_next_reads_only_the_new_entries() {
    long head = server.journalHead();

    var first = (Attestor.Verdict.Passed) attestor.runOnce();
    apply("alpha", 2);
    apply("gamma", 1);
    var second = (Attestor.Verdict.Passed) attestor.runOnce();

    assertThat(first.fullPass()).isTrue();
    assertThat(first.entriesChecked()).isEqualTo(head);
    assertThat(first.verifiedSeq()).isEqualTo(head);
    assertThat(first.policies()).isEqualTo(2);
    assertThat(second.fullPass()).isFalse();
    assertThat(second.entriesChecked()).isEqualTo(2);
    assertThat(second.verifiedSeq()).isEqualTo(head + 2);
    assertThat(second.policies()).isEqualTo(3);
    assertThat(metric("rollgate_attestation_runs_total{result=\"success\"}")).isEqualTo(2);
    assertThat(metric("rollgate_attestation_runs_total{result=\"failure\"}")).as("exists before any failure").isZero();
    assertThat(metric("rollgate_attestation_success_ratio")).isEqualTo(1.0);
    assertThat(metric("rollgate_attestation_verified_seq")).isEqualTo(head + 2);
    assertThat(metric("rollgate_attestation_last_success_timestamp_seconds"))
        .isEqualTo(server.clock().instant().toEpochMilli() / 1000.0);
    assertThat(metric("rollgate_attestation_duration_seconds_count")).isEqualTo(2);
  }

  @Test
  void tampered_policy_state_fails_is_journaled_once_and_its_repair_is_journaled_as_recovery() {
    attestor.runOnce();
    String original = server.server().database().reads().withHandle(h -> h.createQuery(
        "SELECT document FROM policy_versions WHERE policy = 'beta' AND version = 1").mapTo(String.class).one());
    sql("UPDATE policy_versions SET document = '{\"max\":99}' WHERE policy = 'beta' AND version = 1");

    var failed = (Attestor.Verdict.Failed) attestor.runOnce();
    var again = (Attestor.Verdict.Failed) attestor.runOnce();

    assertThat(failed.problems()).singleElement().asString().startsWith("policy 'beta' version 1 re-hashes to ");
    assertThat(failed.firstBadSeq()).isNull();
    assertThat(again.problems()).isEqualTo(failed.problems());
    var journaled = entries(Attestor.FAILED);
    assertThat(journaled).as("a repeated identical failure is journaled once").hasSize(1);
    assertThat(journaled.get(0).subject()).isEqualTo("attestor");
    assertThat(journaled.get(0).payload().path("problems").get(0).asText()).isEqualTo(failed.problems().get(0));
    assertThat(metric("rollgate_attestation_runs_total{result=\"failure\"}")).isEqualTo(2);
    assertThat(metric("rollgate_attestation_success_ratio")).isEqualTo(1.0 / 3);
    assertThat(metric("rollgate_attestation_up")).isZero();

    sql("UPDATE policy_versions SET document = '" + original + "' WHERE policy = 'beta' AND version = 1");
    assertThat(attestor.runOnce()).isInstanceOf(Attestor.Verdict.Passed.class);
    assertThat(entries(Attestor.RECOVERED)).hasSize(1);
    assertThat(metric("rollgate_attestation_up")).isEqualTo(1);
  }

  @Test
  void an_edit_inside_the_verified_prefix_is_found_by_the_next_full_pass() {
    attestor.runOnce(); // full
    sql("UPDATE journal SET actor = 'mallory' WHERE seq = 1");

    var incremental = attestor.runOnce();
    var alsoIncremental = attestor.runOnce();
    var full = attestor.runOnce(); // fullPassEvery = 3

    assertThat(incremental).isInstanceOf(Attestor.Verdict.Passed.class);
    assertThat(alsoIncremental).isInstanceOf(Attestor.Verdict.Passed.class);
    assertThat(full).isInstanceOfSatisfying(Attestor.Verdict.Failed.class, f -> {
      assertThat(f.fullPass()).isTrue();
      assertThat(f.firstBadSeq()).isEqualTo(1);
      assertThat(f.problems()).singleElement().asString()
          .startsWith("journal chain: entry 1 content does not match its hash");
    });
    assertThat(entries(Attestor.FAILED)).singleElement()
        .satisfies(e -> assertThat(e.payload().path("firstBadSeq").asLong()).isEqualTo(1));
  }

  @Test
  void the_entries_the_attestor_writes_are_known_event_types_so_clients_can_filter_on_them() {
    assertThat(io.rollgate.server.events.EventTypes.ALL).contains(Attestor.FAILED, Attestor.RECOVERED);
  }

  @Test
  void a_rewritten_tail_is_found_by_an_incremental_run() {
    attestor.runOnce();
    long head = server.journalHead();
    sql("UPDATE journal SET hash = '" + "e".repeat(64) + "' WHERE seq = " + head);

    var verdict = attestor.runOnce();

    assertThat(verdict).isInstanceOfSatisfying(Attestor.Verdict.Failed.class,
        f -> assertThat(f.firstBadSeq()).isEqualTo(head));
  }

  @Test
  void an_unreadable_store_is_an_error_not_a_failure_and_is_not_journaled() {
    attestor.close();
    registry = new PrometheusRegistry();
    Database other = Database.open(null, server.dataDir(), null, null);
    var broken = new Attestor(new JournalReader(other), new PolicyStore(other, server.server().journal()),
        server.server().journal(), server.clock(), new Attestor.Settings(Duration.ofHours(1), 1), registry);
    other.close();
    long head = server.journalHead();

    var verdict = broken.runOnce();

    assertThat(verdict).isInstanceOf(Attestor.Verdict.Unavailable.class);
    assertThat(metric("rollgate_attestation_runs_total{result=\"error\"}")).isEqualTo(1);
    assertThat(server.journalHead()).isEqualTo(head);
    broken.close();
  }

  @Test
  void health_shows_the_verdict_and_a_failure_degrades_it_without_taking_the_server_out() {
    var healthy = server.get("/health", null);
    assertThat(healthy.json().path("status").asText()).isEqualTo("healthy");
    assertThat(healthy.json().path("checks").path("attestor").path("status").asText()).isEqualTo("up");
    assertThat(healthy.json().path("checks").path("attestor").path("lastSuccessAt").asText())
        .isEqualTo(server.clock().instant().toString());

    sql("UPDATE policy_versions SET document = '{\"max\":99}' WHERE policy = 'alpha' AND version = 1");
    server.server().attestor().runOnce();
    var degraded = server.get("/health", null);

    assertThat(degraded.status()).isEqualTo(200);
    assertThat(degraded.json().path("status").asText()).isEqualTo("degraded");
    var check = degraded.json().path("checks").path("attestor");
    assertThat(check.path("status").asText()).isEqualTo("failed");
    assertThat(check.path("problems").get(0).asText()).startsWith("policy 'alpha' version 1");
  }
}
