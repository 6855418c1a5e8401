package io.rollgate.store.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.error.ConflictException;
import io.rollgate.error.NotFoundException;
import io.rollgate.evidence.Criteria;
import io.rollgate.evidence.RegressionRule;
import io.rollgate.evidence.Run;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.json.Json;
import io.rollgate.policy.GuardConfig;
import io.rollgate.policy.PolicyName;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.testing.StoreFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * EvidenceStore on both databases through the real journal: origin document 000's nine promotion
 * tests, translated (a promotion is a versioned policy change; the "snapshot" is the old version),
 * plus what Rollgate adds: eligibility gates the promotion, guards apply, and a learned scenario
 * blocks the next promotion until it has its own evidence.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class EvidenceStoreTest {
  private static final PolicyName P = PolicyName.of("resource-limits");
  private static final ScenarioId S = ScenarioId.of("tolerance-sweep");
  private static final String TIERS = """
      {"light":{"max_wall_time_ms":10000,"max_memory_mb":256},
       "standard":{"max_wall_time_ms":30000,"max_memory_mb":1024},
       "heavy":{"max_wall_time_ms":120000,"max_memory_mb":4096}}""";

  @Parameter
  Dialect dialect;

  private StoreFixture fx;
  private PolicyStore policies;
  private EvidenceStore evidence;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    policies = fx.policies();
    evidence = new EvidenceStore(fx.db(), fx.journal(), policies);
    policies.put(P, obj(TIERS), "initial limits", "alice");
    evidence.createScenario(new NewScenario(S, Criteria.DEFAULTS, List.of("stress")), "000's sweep", "alice");
  }

  @AfterEach
  void close() {
    fx.close();
  }

  static ObjectNode obj(String json) {
    return (ObjectNode) Json.parse(json, "test");
  }

  static List<Run> runs(int passed, int failed) {
    var l = new ArrayList<Run>();
    l.addAll(Collections.nCopies(passed, new Run(true, 1200L, null, "ci")));
    l.addAll(Collections.nCopies(failed, new Run(false, 45000L, obj("{\"timeouts\":1}"), "ci")));
    return l;
  }

  private PromotionView promote(String delta) {
    return evidence.promote(new NewPromotion(S, P, obj(delta), "sweep passed", "bob"));
  }

  private static final String STANDARD_45S = "{\"standard\":{\"max_wall_time_ms\":45000}}";

  // --- 000's nine, translated

  @Test
  void test_promotion_action_creation_records_ids_versions_and_the_promote_action() {
    evidence.recordRuns(S, runs(24, 1), "ci");

    PromotionView p = promote(STANDARD_45S);

    assertThat(p.id()).isEqualTo("resource-limits-1");
    assertThat(p.status()).isEqualTo(PromotionView.PROMOTED);
    assertThat(p.scenario()).isEqualTo("tolerance-sweep");
    assertThat(p.oldVersion()).isEqualTo(1);
    assertThat(p.newVersion()).isEqualTo(2);
    assertThat(p.rollback()).isNull();
    assertThat(evidence.requirePromotion(p.id())).isEqualTo(p);
  }

  @Test
  void test_promotion_action_serialization_the_journal_entry_carries_every_field() {
    evidence.recordRuns(S, runs(25, 0), "ci");

    PromotionView p = promote(STANDARD_45S);

    JournalEntry e = fx.entries().stream().filter(x -> x.type().equals("promotion.executed")).findFirst().orElseThrow();
    assertThat(e.subject()).isEqualTo("resource-limits");
    assertThat(e.actor()).isEqualTo("bob");
    assertThat(e.payload().path("id").asText()).isEqualTo(p.id());
    assertThat(e.payload().path("action").asText()).isEqualTo("promote");
    assertThat(e.payload().path("oldVersion").asInt()).isEqualTo(1);
    assertThat(e.payload().path("newVersion").asInt()).isEqualTo(2);
    assertThat(e.payload().path("oldHash").asText()).isEqualTo(p.oldHash());
    assertThat(e.payload().path("newHash").asText()).isEqualTo(p.newHash());
    assertThat(e.payload().path("delta")).isEqualTo(obj(STANDARD_45S));
    assertThat(e.payload().path("changedKeys").get(0).asText()).isEqualTo("/standard/max_wall_time_ms");
    assertThat(e.payload().path("eligibility").get(0).path("reason").asText())
        .isEqualTo("failure rate 0.0% ≤ 10.0% over the last 25 runs");
  }

  @Test
  void test_execute_promotion_updates_policy_30000_to_45000() {
    evidence.recordRuns(S, runs(24, 1), "ci");

    promote(STANDARD_45S);

    var now = policies.get(P).orElseThrow();
    assertThat(now.version()).isEqualTo(2);
    assertThat(now.document().at("/standard/max_wall_time_ms").asInt()).isEqualTo(45000);
    assertThat(now.document().at("/light/max_wall_time_ms").asInt()).isEqualTo(10000);
  }

  @Test
  void test_rollback_promotion_restores_30000_as_a_rollback_version() {
    evidence.recordRuns(S, runs(24, 1), "ci");
    PromotionView p = promote(STANDARD_45S);

    PromotionView rolled = evidence.rollback(p.id(), "timeout rate exceeded 20%", RegressionRule.DEFAULT, "carol");

    var now = policies.get(P).orElseThrow();
    assertThat(now.version()).isEqualTo(3);
    assertThat(now.document().at("/standard/max_wall_time_ms").asInt()).isEqualTo(30000);
    assertThat(now.stateHash()).isEqualTo(p.oldHash());
    assertThat(policies.version(P, 3).kind()).isEqualTo(io.rollgate.policy.ChangeKind.ROLLBACK);
    assertThat(rolled.status()).isEqualTo(PromotionView.ROLLED_BACK);
    assertThat(rolled.rollback().version()).isEqualTo(3);
    assertThat(rolled.rollback().reason()).isEqualTo("timeout rate exceeded 20%");
    assertThat(rolled.rollback().by()).isEqualTo("carol");
  }

  @Test
  void test_rollback_without_snapshot_fails_unknown_twice_or_after_the_policy_moved_on() {
    long head = fx.headSeq();
    assertThatThrownBy(() -> evidence.rollback("resource-limits-9", "x", RegressionRule.DEFAULT, "carol"))
        .isInstanceOf(NotFoundException.class).hasMessage("promotion 'resource-limits-9' does not exist");
    assertThat(fx.headSeq()).isEqualTo(head);

    evidence.recordRuns(S, runs(20, 0), "ci");
    PromotionView p = promote(STANDARD_45S);
    policies.change(P, obj("{\"light\":{\"max_memory_mb\":512}}"), "unrelated", "dave");
    assertThatThrownBy(() -> evidence.rollback(p.id(), "x", RegressionRule.DEFAULT, "carol"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("is at version 3, not the promoted version 2");

    policies.rollback(P, 2, "undo unrelated", "dave"); // version 4 = the promoted content, but not version 2
    assertThatThrownBy(() -> evidence.rollback(p.id(), "x", RegressionRule.DEFAULT, "carol"))
        .isInstanceOf(ConflictException.class);
  }

  @Test
  void test_create_regression_scenario_stricter_tagged_linked_and_bound() {
    evidence.recordRuns(S, runs(24, 1), "ci");
    PromotionView p = promote(STANDARD_45S);

    PromotionView rolled = evidence.rollback(p.id(), "timeout rate exceeded 20%", RegressionRule.DEFAULT, "carol");

    String learnedId = rolled.rollback().regressionScenario();
    assertThat(learnedId).isEqualTo("tolerance-sweep-learned-1");
    ScenarioView learned = evidence.requireScenario(ScenarioId.of(learnedId));
    assertThat(learned.criteria()).isEqualTo(new Criteria(50, 0.05, 100));
    assertThat(learned.tags()).containsExactly("learned_constraint", "stress");
    assertThat(learned.learnedFrom()).isEqualTo("tolerance-sweep");
    assertThat(learned.learnedBy()).isEqualTo(p.id());
    assertThat(learned.policies()).containsExactly("resource-limits");
    assertThat(learned.reason()).contains("timeout rate exceeded 20%");
    assertThat(evidence.eligibility(ScenarioId.of(learnedId)).reason()).isEqualTo("0 of 50 required runs");
  }

  @Test
  void test_policy_snapshot_captures_all_tiers_and_every_bound_scenarios_evidence() {
    evidence.recordRuns(S, runs(24, 1), "ci");
    PromotionView p = promote(STANDARD_45S);
    evidence.rollback(p.id(), "bad", RegressionRule.DEFAULT, "carol");
    var learned = ScenarioId.of("tolerance-sweep-learned-1");
    evidence.recordRuns(learned, runs(50, 0), "ci");

    PromotionView again = promote("{\"standard\":{\"max_wall_time_ms\":40000}}");

    // the restored document is the old one in every tier, byte for byte (same state hash)
    assertThat(policies.version(P, 3).document()).isEqualTo(obj(TIERS));
    assertThat(again.oldHash()).isEqualTo(p.oldHash());
    assertThat(again.eligibility()).hasSize(2);
    assertThat(again.eligibility().get(0).path("scenario").asText()).isEqualTo("tolerance-sweep");
    assertThat(again.eligibility().get(1).path("scenario").asText()).isEqualTo("tolerance-sweep-learned-1");
    assertThat(again.eligibility().get(1).path("learned").asBoolean()).isTrue();
    assertThat(again.eligibility().get(1).path("runs").asInt()).isEqualTo(50);
  }

  @Test
  void test_execute_promotion_with_multiple_tiers_changes_each_and_rolls_each_back() {
    evidence.recordRuns(S, runs(30, 0), "ci");

    PromotionView p = promote("{\"light\":{\"max_wall_time_ms\":15000},\"heavy\":{\"max_memory_mb\":8192}}");

    var doc = policies.get(P).orElseThrow().document();
    assertThat(doc.at("/light/max_wall_time_ms").asInt()).isEqualTo(15000);
    assertThat(doc.at("/heavy/max_memory_mb").asInt()).isEqualTo(8192);
    assertThat(doc.at("/standard/max_wall_time_ms").asInt()).isEqualTo(30000);
    evidence.rollback(p.id(), "bad", RegressionRule.DEFAULT, "carol");
    assertThat(policies.get(P).orElseThrow().document()).isEqualTo(obj(TIERS));
  }

  @Test
  void test_promotion_audit_trail_in_order_chained_and_listed() {
    evidence.recordRuns(S, runs(24, 1), "ci");
    PromotionView p = promote(STANDARD_45S);
    evidence.rollback(p.id(), "timeout rate exceeded 20%", RegressionRule.DEFAULT, "carol");

    List<String> types = fx.entries().stream().map(JournalEntry::type).toList();
    assertThat(types).containsExactly("policy.applied", "scenario.created", "scenario.run_recorded", "policy.applied",
        "promotion.executed", "policy.applied", "scenario.learned", "promotion.rolled_back");
    assertThat(fx.reader().verify().ok()).isTrue();
    List<PromotionView> history = evidence.promotions(P, 10);
    assertThat(history).hasSize(1);
    assertThat(history.get(0).status()).isEqualTo("rolled_back");
    assertThat(history.get(0).reason()).isEqualTo("sweep passed");
    assertThat(history.get(0).rollback().reason()).isEqualTo("timeout rate exceeded 20%");
  }

  // --- Rollgate's additions

  @Test
  void a_batch_of_runs_is_one_journal_entry_and_is_counted_in_the_window() {
    long head = fx.headSeq();

    var e = evidence.recordRuns(S, runs(8, 2), "ci");

    assertThat(fx.headSeq()).isEqualTo(head + 1);
    JournalEntry entry = fx.entries().get(fx.entries().size() - 1);
    assertThat(entry.type()).isEqualTo("scenario.run_recorded");
    assertThat(entry.subject()).isEqualTo("scenario:tolerance-sweep");
    assertThat(entry.payload().path("runs").asInt()).isEqualTo(10);
    assertThat(entry.payload().path("failed").asInt()).isEqualTo(2);
    assertThat(e.runs()).isEqualTo(10);
    assertThat(e.reason()).isEqualTo("10 of 20 required runs");
    assertThat(evidence.requireScenario(S).totalRuns()).isEqualTo(10);
  }

  @Test
  void runs_for_an_unknown_scenario_are_a_404_and_change_nothing() {
    long head = fx.headSeq();
    assertThatThrownBy(() -> evidence.recordRuns(ScenarioId.of("nope"), runs(1, 0), "ci"))
        .isInstanceOf(NotFoundException.class).hasMessage("scenario 'nope' does not exist");
    assertThat(fx.headSeq()).isEqualTo(head);
  }

  @Test
  void a_promotion_without_enough_evidence_is_refused_with_the_reason_and_changes_nothing() {
    evidence.recordRuns(S, runs(10, 0), "ci");
    long head = fx.headSeq();

    assertThatThrownBy(() -> promote(STANDARD_45S)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("scenario 'tolerance-sweep': 10 of 20 required runs");

    evidence.recordRuns(S, runs(10, 3), "ci");
    assertThatThrownBy(() -> promote(STANDARD_45S)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("failure rate 13.0% > 10.0%");
    assertThat(fx.headSeq()).isEqualTo(head + 1);
    assertThat(policies.get(P).orElseThrow().version()).isEqualTo(1);
  }

  @Test
  void a_regression_scenario_blocks_re_promotion_until_it_is_eligible() {
    evidence.recordRuns(S, runs(24, 1), "ci");
    PromotionView p = promote(STANDARD_45S);
    evidence.rollback(p.id(), "timeout rate exceeded 20%", RegressionRule.DEFAULT, "carol");
    var learned = ScenarioId.of("tolerance-sweep-learned-1");

    assertThatThrownBy(() -> promote(STANDARD_45S)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("scenario 'tolerance-sweep-learned-1' (learned from 'tolerance-sweep'): 0 of 50 required runs");
    evidence.recordRuns(learned, runs(47, 3), "ci"); // 6% > 5%
    assertThatThrownBy(() -> promote(STANDARD_45S)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("failure rate 6.0% > 5.0%");
    assertThat(evidence.requiredEligibility(P, S)).extracting(e -> e.eligible()).containsExactly(true, false);

    evidence.recordRuns(learned, runs(50, 0), "ci"); // the window's last 100: 3 of 100
    PromotionView again = promote(STANDARD_45S);
    assertThat(again.id()).isEqualTo("resource-limits-2");
    assertThat(policies.get(P).orElseThrow().document().at("/standard/max_wall_time_ms").asInt()).isEqualTo(45000);
  }

  @Test
  void the_regression_rule_is_configurable_per_rollback_and_learned_ids_do_not_collide() {
    evidence.recordRuns(S, runs(30, 0), "ci");
    PromotionView p = promote(STANDARD_45S);
    var r1 = evidence.rollback(p.id(), "bad", new RegressionRule(30, 0.02), "carol");
    assertThat(evidence.requireScenario(ScenarioId.of(r1.rollback().regressionScenario())).criteria())
        .isEqualTo(new Criteria(30, 0.02, 100));

    evidence.recordRuns(ScenarioId.of(r1.rollback().regressionScenario()), runs(30, 0), "ci");
    PromotionView p2 = promote(STANDARD_45S);
    var r2 = evidence.rollback(p2.id(), "bad again", RegressionRule.DEFAULT, "carol");
    assertThat(r2.rollback().regressionScenario()).isEqualTo("tolerance-sweep-learned-2");
    assertThatThrownBy(() -> evidence.rollback(p2.id(), "again", RegressionRule.DEFAULT, "carol"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("already rolled back");
  }

  @Test
  void guards_apply_a_cooldown_skip_or_a_no_op_is_a_409_with_the_note_and_nothing_journaled() {
    evidence.recordRuns(S, runs(20, 0), "ci");
    long head = fx.headSeq();
    assertThatThrownBy(() -> promote("{\"standard\":{\"max_wall_time_ms\":30000}}"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("refused by the apply pipeline");
    assertThat(fx.headSeq()).isEqualTo(head);

    policies.setGuards(P, new GuardConfig(3600, null, 0), "admin");
    fx.clock.advance(Duration.ofSeconds(1));
    policies.change(P, obj("{\"light\":{\"max_memory_mb\":300}}"), "recent change", "dave");
    head = fx.headSeq();
    assertThatThrownBy(() -> promote(STANDARD_45S)).isInstanceOf(ConflictException.class)
        .hasMessageContaining("cooldown");
    assertThat(fx.headSeq()).isEqualTo(head);
    assertThat(evidence.promotions(null, 10)).isEmpty();
  }

  @Test
  void duplicates_and_unknowns_are_refused_and_everything_survives_a_restart() {
    assertThatThrownBy(() -> evidence.createScenario(new NewScenario(S, Criteria.DEFAULTS, List.of()), null, "a"))
        .isInstanceOf(ConflictException.class).hasMessage("scenario 'tolerance-sweep' already exists");
    assertThatThrownBy(() -> evidence.promote(new NewPromotion(S, PolicyName.of("nope"), obj("{}"), null, "b")))
        .isInstanceOf(NotFoundException.class);
    evidence.recordRuns(S, runs(24, 1), "ci");
    PromotionView p = promote(STANDARD_45S);

    fx.restart();
    evidence = new EvidenceStore(fx.db(), fx.journal(), fx.policies());

    assertThat(evidence.requirePromotion(p.id())).isEqualTo(p);
    assertThat(evidence.eligibility(S).runs()).isEqualTo(25);
    assertThat(evidence.scenarios(10)).extracting(ScenarioView::id).containsExactly("tolerance-sweep");
    assertThat(evidence.requireScenario(S).policies()).containsExactly("resource-limits");
  }
}
