package io.rollgate.store.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.error.ConflictException;
import io.rollgate.error.NotFoundException;
import io.rollgate.gate.ApplyStats;
import io.rollgate.json.Json;
import io.rollgate.policy.GuardConfig;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.OnFailure;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.Stages;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.rollout.Action;
import io.rollgate.store.rollout.NewRollout;
import io.rollgate.store.testing.Sha;
import io.rollgate.store.testing.StoreFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Apply statistics on both databases: every counted proposal leaves one policy_proposals row keyed by
 * its journal entry (applied, skipped, rejected), sessions and windows select them, refusals under a
 * rollout and reported failures are journaled as policy.rejected and count as failed, and a proposal
 * that fails twice without ever applying is a stuck signature.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class ApplyStatsStoreTest {
  private static final PolicyName P = PolicyName.of("runtime-overrides");
  private static final Stages ONE = Stages.of(new Stage("all", 10_000, Duration.ZERO, 0.05, false));

  @Parameter
  Dialect dialect;

  private StoreFixture fx;
  private PolicyStore store;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    store = fx.policies();
    store.put(P, doc("{'spread':1}"), "initial", "alice");
    fx.clock.advanceSeconds(1);
  }

  @AfterEach
  void every_row_has_its_journal_entry_and_the_chain_verifies() {
    try {
      List<JournalEntry> entries = fx.entries();
      List<Long> seqs = fx.db().reads().withHandle(h -> h.createQuery("SELECT journal_seq FROM policy_proposals")
          .mapTo(Long.class).list());
      for (long seq : seqs) {
        JournalEntry e = entries.stream().filter(x -> x.seq() == seq).findFirst().orElseThrow();
        assertThat(e.type()).isIn("policy.applied", "policy.skipped", "policy.rejected");
      }
      assertThat(seqs).as("one row per counted entry").hasSize((int) entries.stream()
          .filter(e -> e.type().equals("policy.rejected") || e.payload().has("signature")).count());
      assertThat(fx.reader().verify().ok()).isTrue();
    } finally {
      fx.close();
    }
  }

  @Test
  void applied_skipped_and_failed_proposals_are_counted_and_the_ratio_is_applied_over_proposals() {
    store.setGuards(P, new GuardConfig(60, null, 0), "alice");
    var early = store.change(P, doc("{'spread':2}"), "tune", "tuner", "s1"); // version 1 is 1 s old
    assertThat(early.skipReason().cooldown()).isTrue();
    assertThat(store.applyStats(P, null, "s1").partialOk()).isEqualTo(1);

    fx.clock.advanceSeconds(61);
    var applied = store.change(P, doc("{'spread':3}"), "tune", "tuner", "s2");
    var cooled = store.change(P, doc("{'spread':4}"), "tune", "tuner", "s2");
    var noOp = store.change(P, doc("{'spread':3}"), "tune", "tuner", "s2");
    store.recordFailedProposal(P, "tuner exited with 3", "s2", null, "tuner");
    assertThat(applied.applied()).isTrue();
    assertThat(cooled.skipReason().cooldown()).isTrue();
    assertThat(noOp.skipReason().noOp()).isTrue();

    ApplyStats s2 = store.applyStats(P, null, "s2");
    assertThat(s2.proposals()).isEqualTo(4);
    assertThat(s2.applied()).isEqualTo(1);
    assertThat(s2.partialOk()).as("a guard skip and a no-op are partial ok").isEqualTo(2);
    assertThat(s2.failed()).isEqualTo(1);
    assertThat(s2.fullApplyRatio()).isEqualTo(0.25);
    assertThat(s2.signatureStuck()).isZero();

    ApplyStats all = store.applyStats(P, null, null);
    assertThat(all.proposals()).as("both sessions; creation and guard settings are not proposals").isEqualTo(5);
  }

  @Test
  void the_session_and_signature_are_in_the_journal_payload_and_a_window_selects_by_time() {
    var before = fx.headSeq();
    store.change(P, doc("{'spread':2}"), "tune", "tuner", "soak-1");
    JournalEntry e = fx.entriesAfter(before).get(0);
    assertThat(e.type()).isEqualTo("policy.applied");
    assertThat(e.payload().get("session").asText()).isEqualTo("soak-1");
    assertThat(e.payload().get("signature").asText()).isEqualTo(Sha.sha256("{\"spread\":2}"));

    Instant later = fx.clock.instant().plusSeconds(10);
    fx.clock.set(later);
    store.change(P, doc("{'spread':3}"), "tune", "tuner", null);
    assertThat(store.applyStats(P, later, null).proposals()).isEqualTo(1);
    assertThat(store.applyStats(P, later.minusMillis(1), null).proposals()).isEqualTo(1);
    assertThat(store.applyStats(P, later.minusSeconds(10), null).proposals()).isEqualTo(2);
    assertThat(store.applyStats(P, later.plusMillis(1), null)).isEqualTo(ApplyStats.EMPTY);
    assertThat(store.applyStats(P, null, "soak-1").proposals()).isEqualTo(1);
    assertThat(store.applyStats(P, later, "soak-1").proposals()).isZero();
    assertThat(store.applyStats(P, null, "soak-1").fullApplyRatio()).isEqualTo(1.0);
    assertThat(store.applyStats(P, null, "other").fullApplyRatio()).as("no proposals: no ratio").isNull();
  }

  @Test
  void a_change_refused_under_a_rollout_is_journaled_as_rejected_changes_nothing_else_and_repeated_is_stuck() {
    var r = fx.rollouts().create(new NewRollout(P, doc("{'spread':9}"), null,
        new RolloutSpec(ONE, AnalysisSettings.outcomes(Duration.ofSeconds(10)), OnFailure.STEP_BACK, "alice", false),
        "try"));
    long head = fx.headSeq();
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> store.change(P, doc("{'spread':2}"), "tune", "tuner", "s"))
          .isInstanceOf(ConflictException.class).hasMessageContaining("active rollout '" + r.id() + "'");
    }
    List<JournalEntry> added = fx.entriesAfter(head);
    assertThat(added).extracting(JournalEntry::type).containsExactly("policy.rejected", "policy.rejected");
    assertThat(added.get(0).payload().get("cause").asText()).isEqualTo("rollout");
    assertThat(added.get(0).payload().get("reason").asText()).contains("active rollout");
    assertThat(store.get(P).orElseThrow().version()).isEqualTo(1);

    ApplyStats s = store.applyStats(P, null, "s");
    assertThat(s.failed()).isEqualTo(2);
    assertThat(s.signatureStuck()).isEqualTo(1);
    assertThat(s.stuckSignatures()).containsExactly(Sha.sha256("{\"spread\":2}"));

    // once the rollout is gone the same proposal lands: no longer stuck
    fx.rollouts().act(r.id(), Action.ABORT, "alice", "stop");
    assertThat(store.change(P, doc("{'spread':2}"), "tune", "tuner", "s").applied()).isTrue();
    assertThat(store.applyStats(P, null, "s").signatureStuck()).isZero();
  }

  @Test
  void reported_failures_with_the_same_signature_are_stuck_and_rollbacks_are_not_proposals() {
    String sig = Sha.sha256("garbage");
    var rej = store.recordFailedProposal(P, "no JSON merge patch on stdout", "s", sig, "tuner");
    store.recordFailedProposal(P, "no JSON merge patch on stdout", "s", sig, "tuner");
    store.recordFailedProposal(P, "tuner exited with 1", "s", null, "tuner");
    store.recordFailedProposal(P, "tuner exited with 1", "s", null, "tuner");
    assertThat(rej.session()).isEqualTo("s");
    assertThat(fx.entries().stream().filter(e -> e.seq() == rej.seq()).findFirst().orElseThrow().payload()
        .get("cause").asText()).isEqualTo("reported");
    ApplyStats s = store.applyStats(P, null, "s");
    assertThat(s.failed()).isEqualTo(4);
    assertThat(s.signatureStuck()).as("failures without a signature are never stuck").isEqualTo(1);

    store.change(P, doc("{'spread':2}"), "tune", "tuner", null);
    long before = store.applyStats(P, null, null).proposals();
    store.rollback(P, 1, "back", "alice");
    assertThat(store.applyStats(P, null, null).proposals()).isEqualTo(before);
  }

  @Test
  void a_failure_reported_for_an_unknown_policy_is_not_found_and_journals_nothing() {
    long head = fx.headSeq();
    assertThatThrownBy(() -> store.recordFailedProposal(PolicyName.of("nope"), "x", null, null, "tuner"))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.applyStats(PolicyName.of("nope"), null, null)).isInstanceOf(NotFoundException.class);
    assertThat(fx.headSeq()).isEqualTo(head);
  }

  private static ObjectNode doc(String singleQuoted) {
    return (ObjectNode) Json.parse(singleQuoted.replace('\'', '"'), "doc");
  }

  @Test
  void apply_sessions_lists_the_sessions_since_a_time_most_recently_used_first() {
    Instant start = fx.clock.instant();
    store.change(P, doc("{'spread':2}"), "tune", "tuner", "soak-a");
    store.change(P, doc("{'spread':3}"), "tune", "tuner", "soak-b");
    store.change(P, doc("{'spread':4}"), "tune", "tuner", null);
    fx.clock.advanceSeconds(10);
    Instant later = fx.clock.instant();
    store.change(P, doc("{'spread':5}"), "tune", "tuner", "soak-a"); // used again, so now the most recent
    assertThat(store.applySessions(P, start, 10)).containsExactly("soak-a", "soak-b");
    assertThat(store.applySessions(P, start, 1)).containsExactly("soak-a");
    assertThat(store.applySessions(P, later, 10)).containsExactly("soak-a");
    assertThat(store.applySessions(P, later.plusSeconds(1), 10)).isEmpty();
  }
}
