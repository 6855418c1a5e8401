package io.rollgate.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.journal.JournalObserver.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mapping from journal observations and entries to series, without a server. */
class MetricsUnitTest {
  private static Exposition scrape(Metrics m) {
    return Exposition.parse(new String(m.scrape(), StandardCharsets.UTF_8));
  }

  private static double bucket(Exposition e, String histogram, double le) {
    return e.find(histogram + "_bucket").stream().filter(b -> Exposition.le(b) == le).findFirst()
        .orElseThrow(() -> new AssertionError("no bucket le=" + le + " in " + histogram)).value();
  }

  @Test
  void journal_observations_become_submission_outcomes_entry_counts_and_histograms() {
    var metrics = Metrics.create(null);
    var observer = metrics.journalObserver();
    observer.batchCommitted(5, 2, 7, 3_000_000); // 3 ms
    observer.batchCommitted(1, 0, 1, 400_000); // 0.4 ms
    observer.batchCommitted(2, 2, 0, 1_000_000); // every command failed
    observer.batchFailed(3);
    observer.rejected(Rejection.SATURATED);
    observer.rejected(Rejection.SATURATED);
    observer.rejected(Rejection.SHUTDOWN);

    var e = scrape(metrics);
    assertThat(e.get("rollgate_journal_submissions_total", "outcome", "committed")).isEqualTo(4);
    assertThat(e.get("rollgate_journal_submissions_total", "outcome", "failed")).isEqualTo(4);
    assertThat(e.get("rollgate_journal_submissions_total", "outcome", "commit_failed")).isEqualTo(3);
    assertThat(e.get("rollgate_journal_submissions_total", "outcome", "rejected_saturated")).isEqualTo(2);
    assertThat(e.get("rollgate_journal_submissions_total", "outcome", "rejected_shutdown")).isEqualTo(1);
    assertThat(e.get("rollgate_journal_entries_total")).isEqualTo(8);

    String batch = "rollgate_journal_batch_commands";
    assertThat(bucket(e, batch, 1)).isEqualTo(1);
    assertThat(bucket(e, batch, 2)).isEqualTo(2);
    assertThat(bucket(e, batch, 4)).isEqualTo(2);
    assertThat(bucket(e, batch, 8)).isEqualTo(3);
    assertThat(e.get(batch + "_count")).isEqualTo(3);
    assertThat(e.get(batch + "_sum")).isEqualTo(8);

    String commit = "rollgate_journal_commit_duration_seconds";
    assertThat(bucket(e, commit, 0.0005)).isEqualTo(1);
    assertThat(bucket(e, commit, 0.001)).isEqualTo(2);
    assertThat(bucket(e, commit, 0.0025)).isEqualTo(2);
    assertThat(bucket(e, commit, 0.005)).isEqualTo(3);
    assertThat(e.get(commit + "_sum")).isCloseTo(0.0044, org.assertj.core.data.Offset.offset(1e-9));
  }

  private static JournalEntry entry(String type, String subject, ObjectNode payload) {
    return new JournalEntry(1, Instant.EPOCH, type, subject, "alice", payload, JournalEntry.GENESIS_HASH, "x");
  }

  private static ObjectNode skipped(boolean freeze, boolean oscillation, boolean velocity, boolean cooldown,
      boolean noOp) {
    ObjectNode reason = Json.object().put("freeze", freeze).put("oscillation", oscillation).put("velocity", velocity)
        .put("cooldown", cooldown).put("noOp", noOp).put("note", "n");
    ObjectNode p = Json.object();
    p.set("skipReason", reason);
    return p;
  }

  @Test
  void a_skip_is_labelled_with_the_highest_priority_guard_that_fired() {
    assertThat(ApplyMetrics.skipReason(skipped(true, true, true, true, true).path("skipReason"))).isEqualTo("freeze");
    assertThat(ApplyMetrics.skipReason(skipped(false, true, true, false, true).path("skipReason")))
        .isEqualTo("oscillation");
    assertThat(ApplyMetrics.skipReason(skipped(false, false, true, true, false).path("skipReason")))
        .isEqualTo("velocity");
    assertThat(ApplyMetrics.skipReason(skipped(false, false, false, true, true).path("skipReason")))
        .isEqualTo("cooldown");
    assertThat(ApplyMetrics.skipReason(skipped(false, false, false, false, true).path("skipReason")))
        .isEqualTo("noOp");
    assertThat(ApplyMetrics.skipReason(Json.object())).isEqualTo("unknown");
  }

  @Test
  void only_applied_and_skipped_entries_are_counted_per_policy() {
    var registry = new PrometheusRegistry();
    var applies = new ApplyMetrics(registry);
    applies.accept(List.of(
        entry("policy.applied", "a", Json.object()),
        entry("policy.skipped", "a", skipped(false, false, true, false, false)),
        entry("policy.skipped", "a", skipped(false, false, true, false, false)),
        entry("policy.frozen", "a", Json.object()),
        entry("token.created", "token:ops", Json.object()),
        entry("policy.applied", "b", Json.object())));

    var e = Exposition.parse(new io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter(false)
        .toDebugString(registry.scrape()));
    assertThat(e.find("rollgate_policy_apply_total")).hasSize(3);
    assertThat(e.get("rollgate_policy_apply_total", "policy", "a", "outcome", "applied", "reason", "none")).isEqualTo(1);
    assertThat(e.get("rollgate_policy_apply_total", "policy", "a", "outcome", "skipped", "reason", "velocity"))
        .isEqualTo(2);
    assertThat(e.get("rollgate_policy_apply_total", "policy", "b", "outcome", "applied", "reason", "none")).isEqualTo(1);
  }

  @Test
  void the_scrape_token_is_compared_as_a_bearer_token_and_an_unset_token_leaves_scrapes_open() {
    var open = Metrics.create(null);
    assertThat(open.scrapeAllowed(null)).isTrue();
    assertThat(Metrics.create("  ").scrapeAllowed(null)).as("blank means unset").isTrue();

    var closed = Metrics.create("s3cret");
    assertThat(closed.scrapeAllowed("Bearer s3cret")).isTrue();
    assertThat(closed.scrapeAllowed("BEARER s3cret")).isTrue();
    assertThat(closed.scrapeAllowed(null)).isFalse();
    assertThat(closed.scrapeAllowed("")).isFalse();
    assertThat(closed.scrapeAllowed("s3cret")).isFalse();
    assertThat(closed.scrapeAllowed("Basic s3cret")).isFalse();
    assertThat(closed.scrapeAllowed("Bearer s3cre")).isFalse();
    assertThat(closed.scrapeAllowed("Bearer s3cretX")).isFalse();
    assertThat(closed.scrapeAllowed("Bearer ")).isFalse();
  }

  @Test
  void metrics_live_in_their_own_registry_never_in_the_default_one() {
    var metrics = Metrics.create(null);
    metrics.journalObserver().batchCommitted(1, 0, 1, 1000);
    assertThat(PrometheusRegistry.defaultRegistry.scrape().stream().map(s -> s.getMetadata().getName()))
        .noneMatch(n -> n.startsWith("rollgate_") || n.startsWith("jvm_"));
    assertThat(scrape(metrics).find("rollgate_journal_entries_total")).hasSize(1);
  }

  @Test
  void other_components_register_in_the_instance_registry_and_appear_in_the_scrape() {
    var metrics = Metrics.create(null);
    io.prometheus.metrics.core.metrics.Counter.builder().name("rollgate_test_widgets").help("widgets")
        .register(metrics.registry()).inc(3);
    assertThat(scrape(metrics).get("rollgate_test_widgets_total")).isEqualTo(3);
    assertThat(scrape(Metrics.create(null)).find("rollgate_test_widgets_total")).isEmpty();
  }
}
