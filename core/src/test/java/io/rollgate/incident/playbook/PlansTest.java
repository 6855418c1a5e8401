package io.rollgate.incident.playbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.ConflictException;
import io.rollgate.error.InvalidInputException;
import io.rollgate.error.NotFoundException;
import io.rollgate.json.Json;
import io.rollgate.rollout.Decision;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.Reconciler;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.rollout.RolloutState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** 003's action tests, translated: every action's dry run, its parameters, its risk, approval and compensation. */
class PlansTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final PlaybookSettings S = PlaybookSettings.DEFAULTS
      .withHttpAllow(List.of("https://dbt.internal.example/api/"));

  /** A world of one rollout (limits-1, at stage 1 = 25%) and one policy (limits, versions 1 and 2). */
  static final class World implements Facts {
    final Map<String, RolloutFacts> rollouts = new HashMap<>();
    final Map<String, PolicyFacts> policies = new HashMap<>();
    final Map<String, ObjectNode> versions = new HashMap<>();

    World() {
      RolloutState s = RolloutState.start(RolloutSpec.defaults("alice"), T0);
      s = Reconciler.setStage(s, T0, 1, "alice", "to the quarter").state();
      rollouts.put("limits-1", new RolloutFacts("limits-1", "limits", s));
      versions.put("limits@1", doc(1));
      versions.put("limits@2", doc(2));
      policies.put("limits", new PolicyFacts("limits", 2, doc(2), false, null, null));
    }

    static ObjectNode doc(int n) {
      return Json.object().put("maxWallTimeMs", 1000 * n).put("enforce", true);
    }

    @Override
    public Optional<RolloutFacts> rollout(String id) {
      return Optional.ofNullable(rollouts.get(id));
    }

    @Override
    public Optional<PolicyFacts> policy(String name) {
      return Optional.ofNullable(policies.get(name));
    }

    @Override
    public Optional<ObjectNode> version(String policy, int version) {
      return Optional.ofNullable(versions.get(policy + "@" + version)).map(ObjectNode::deepCopy);
    }
  }

  private static Plan plan(World w, ActionType a, String params) {
    return Plans.plan(a, Json.parse(params, "params"), w, S, T0, "bob");
  }

  @Test
  void rollback_rollout_shows_the_phase_and_share_change_needs_no_approval_and_cannot_be_undone() {
    Plan p = plan(new World(), ActionType.ROLLBACK_ROLLOUT, "{\"rollout\":\"limits-1\"}");

    assertThat(p.changes()).containsExactly("rollout limits-1: phase PROGRESSING → ROLLED_BACK",
        "rollout limits-1: candidate share 25% → 0%");
    assertThat(p.needsApproval()).isFalse();
    assertThat(p.reversible()).isFalse();
    assertThat(p.target()).isEqualTo("rollout:limits-1");
  }

  @Test
  void pause_and_resume_compensate_each_other() {
    World w = new World();
    Plan pause = plan(w, ActionType.PAUSE_ROLLOUT, "{\"rollout\":\"limits-1\"}");
    assertThat(pause.compensation().orElseThrow().action()).isEqualTo(ActionType.RESUME_ROLLOUT);
    assertThat(pause.changes()).containsExactly("rollout limits-1: phase PROGRESSING → PAUSED at stage quarter (25%)");

    assertThatThrownBy(() -> plan(w, ActionType.RESUME_ROLLOUT, "{\"rollout\":\"limits-1\"}"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("not PAUSED");
    var r = w.rollouts.get("limits-1");
    w.rollouts.put("limits-1", new Facts.RolloutFacts(r.id(), r.policy(),
        Reconciler.pause(r.state(), T0, "bob", "x").state()));
    Plan resume = plan(w, ActionType.RESUME_ROLLOUT, "{\"rollout\":\"limits-1\"}");
    assertThat(resume.compensation().orElseThrow().action()).isEqualTo(ActionType.PAUSE_ROLLOUT);
    assertThatThrownBy(() -> plan(w, ActionType.RERUN_ANALYSIS, "{\"rollout\":\"limits-1\"}"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("PAUSED").hasMessageContaining("resume it");
  }

  @Test
  void set_percentage_downwards_is_medium_risk_upwards_high_and_each_compensates_to_the_previous_stage() {
    World w = new World();
    Plan down = plan(w, ActionType.SET_PERCENTAGE, "{\"rollout\":\"limits-1\",\"percentage\":10}");
    Plan up = plan(w, ActionType.SET_PERCENTAGE, "{\"rollout\":\"limits-1\",\"percentage\":75.0}");

    assertThat(down.risk()).isEqualTo(Risk.MEDIUM);
    assertThat(down.needsApproval()).isFalse();
    assertThat(down.changes().get(0)).isEqualTo("rollout limits-1: stage quarter (25%) → canary (10%)");
    assertThat(up.risk()).isEqualTo(Risk.HIGH);
    assertThat(up.needsApproval()).isTrue();
    assertThat(up.impact()).contains("25% → 75%");
    for (Plan p : List.of(down, up)) {
      var c = p.compensation().orElseThrow();
      assertThat(c.action()).isEqualTo(ActionType.SET_PERCENTAGE);
      assertThat(c.params().path("percentage").decimalValue()).isEqualByComparingTo("25");
    }
  }

  @Test
  void set_percentage_refuses_a_percentage_no_stage_has_and_the_current_one() {
    World w = new World();
    assertThatThrownBy(() -> plan(w, ActionType.SET_PERCENTAGE, "{\"rollout\":\"limits-1\",\"percentage\":30}"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("(10, 25, 50, 75, 100)")
        .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("params.percentage");
    assertThatThrownBy(() -> plan(w, ActionType.SET_PERCENTAGE, "{\"rollout\":\"limits-1\",\"percentage\":25}"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("already");
  }

  @Test
  void set_stage_steps_back_or_advances_and_keeps_a_paused_rollout_paused() {
    RolloutState s = new World().rollouts.get("limits-1").state();
    var down = Reconciler.setStage(s, T0.plusSeconds(5), 0, "bob", "lower");
    var pausedUp = Reconciler.setStage(Reconciler.pause(s, T0, "bob", "hold").state(), T0.plusSeconds(5), 3, "ann",
        "raise");

    assertThat(down.decision()).isInstanceOf(Decision.StepBack.class);
    assertThat(down.state().stageStartedAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(pausedUp.decision()).isInstanceOf(Decision.Advance.class);
    assertThat(pausedUp.state().phase()).isEqualTo(Phase.PAUSED);
    assertThat(pausedUp.state().stageIndex()).isEqualTo(3);
    var rolledBack = Reconciler.rollBack(s, T0, "bob", "bad").state();
    assertThatThrownBy(() -> Reconciler.setStage(rolledBack, T0, 0, "bob", "x"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("terminal");
  }

  @Test
  void freeze_is_compensated_by_unfreeze_and_neither_plans_a_no_op() {
    World w = new World();
    Plan freeze = plan(w, ActionType.FREEZE_POLICY, "{\"policy\":\"limits\"}");
    assertThat(freeze.changes()).containsExactly("policy 'limits': frozen false → true");
    assertThat(freeze.compensation().orElseThrow().action()).isEqualTo(ActionType.UNFREEZE_POLICY);
    assertThatThrownBy(() -> plan(w, ActionType.UNFREEZE_POLICY, "{\"policy\":\"limits\"}"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("not frozen");
    w.policies.put("limits", new Facts.PolicyFacts("limits", 2, World.doc(2), true, "incident 4", null));
    assertThatThrownBy(() -> plan(w, ActionType.FREEZE_POLICY, "{\"policy\":\"limits\"}"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("already frozen (incident 4)");
  }

  @Test
  void revert_policy_is_high_risk_shows_the_changed_keys_and_compensates_back_to_the_current_version() {
    World w = new World();
    Plan p = plan(w, ActionType.REVERT_POLICY, "{\"policy\":\"limits\",\"toVersion\":1}");

    assertThat(p.needsApproval()).isTrue();
    assertThat(p.changes()).containsExactly("policy 'limits': version 2 → 3 with the content of version 1",
        "policy 'limits': changed keys [/maxWallTimeMs]");
    assertThat(p.compensation().orElseThrow().params()).isEqualTo(Json.object().put("policy", "limits")
        .put("toVersion", 2));
    assertThatThrownBy(() -> plan(w, ActionType.REVERT_POLICY, "{\"policy\":\"limits\",\"toVersion\":7}"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("versions 1 to 2");
    assertThatThrownBy(() -> plan(w, ActionType.REVERT_POLICY, "{\"policy\":\"limits\",\"toVersion\":2}"))
        .isInstanceOf(ConflictException.class);
    w.policies.put("limits", new Facts.PolicyFacts("limits", 2, World.doc(2), false, null, "limits-1"));
    assertThatThrownBy(() -> plan(w, ActionType.REVERT_POLICY, "{\"policy\":\"limits\",\"toVersion\":1}"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("active rollout 'limits-1'");
  }

  @Test
  void http_call_needs_an_allowed_prefix_and_never_shows_header_values() {
    World w = new World();
    Plan p = plan(w, ActionType.HTTP_CALL, "{\"url\":\"https://dbt.internal.example/api/jobs/7/run\","
        + "\"method\":\"POST\",\"headers\":{\"Authorization\":\"Bearer s3cret\"}}");

    assertThat(p.needsApproval()).isTrue();
    assertThat(p.params().path("timeoutSeconds").asInt()).isEqualTo(10);
    assertThat(String.join(" ", p.changes()) + p.impact()).doesNotContain("s3cret").contains("Authorization");
    assertThat(Plans.redacted(ActionType.HTTP_CALL, p.params()).toString()).doesNotContain("s3cret");
    for (String url : List.of("https://dbt.internal.example/admin", "https://dbt.internal.example.evil/api/x",
        "https://dbt.internal.example/api/../admin", "https://x@dbt.internal.example/api/x",
        "ftp://dbt.internal.example/api/x", "http://dbt.internal.example/api/x")) {
      assertThatThrownBy(() -> plan(w, ActionType.HTTP_CALL, "{\"url\":\"" + url + "\",\"method\":\"GET\"}"))
          .as(url).isInstanceOf(InvalidInputException.class)
          .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("params.url");
    }
    assertThatThrownBy(() -> Plans.plan(ActionType.HTTP_CALL, Json.parse("{\"url\":\"https://a.example/x\","
        + "\"method\":\"GET\"}", "p"), w, PlaybookSettings.DEFAULTS, T0, "bob"))
        .hasMessageContaining("http-call is disabled");
  }

  @Test
  void parameters_failing_their_schema_name_the_member() {
    World w = new World();
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("{\"percentage\":10}", "params.rollout");
    cases.put("{\"rollout\":7,\"percentage\":10}", "params.rollout");
    cases.put("{\"rollout\":\"Limits-1\",\"percentage\":10}", "params.rollout");
    cases.put("{\"rollout\":\"limits-1\",\"percentage\":10,\"extra\":true}", "params.extra");
    cases.put("{\"rollout\":\"limits-1\",\"percentage\":101}", "params.percentage");
    cases.put("{\"rollout\":\"limits-1\",\"percentage\":\"10\"}", "params.percentage");
    List<String> fields = new ArrayList<>();
    for (var c : cases.entrySet()) {
      try {
        plan(w, ActionType.SET_PERCENTAGE, c.getKey());
      } catch (InvalidInputException e) {
        fields.add(e.field());
      }
    }
    assertThat(fields).containsExactlyElementsOf(cases.values());
    assertThatThrownBy(() -> Plans.plan(ActionType.FREEZE_POLICY, Json.mapper().nullNode(), w, S, T0, "bob"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("'params' must be an object");
    assertThatThrownBy(() -> plan(w, ActionType.REVERT_POLICY, "{\"policy\":\"limits\",\"toVersion\":1.5}"))
        .hasMessageContaining("params.toVersion").hasMessageContaining("integer");
    assertThatThrownBy(() -> plan(w, ActionType.HTTP_CALL, "{\"url\":\"https://dbt.internal.example/api/\","
        + "\"method\":\"TRACE\"}")).hasMessageContaining("params.method");
    assertThatThrownBy(() -> plan(w, ActionType.ROLLBACK_ROLLOUT, "{\"rollout\":\"other-2\"}"))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("rollout 'other-2' does not exist");
    assertThatThrownBy(() -> ActionType.parse("action", "reboot-prod"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("rollback-rollout, pause-rollout");
  }

  @Test
  void the_schemas_are_valid_documents_of_the_supported_subset() {
    for (ActionType a : ActionType.values()) {
      JsonNode s = a.schema().json();
      assertThat(s.path("type").asText()).as(a.wire()).isEqualTo("object");
      assertThat(s.path("additionalProperties").asBoolean(true)).as(a.wire()).isFalse();
    }
    assertThatThrownBy(() -> ParamSchema.of("{\"type\":\"object\",\"oneOf\":[]}"))
        .hasMessageContaining("'oneOf' is outside the supported subset");
  }

  @Test
  void the_execution_transition_table_is_the_documented_one() {
    List<String> legal = new ArrayList<>();
    for (ExecutionState from : ExecutionState.values()) {
      for (ExecutionState to : ExecutionState.values()) {
        if (from.canGoTo(to)) {
          legal.add(from.wire() + "->" + to.wire());
        }
      }
    }
    assertThat(legal).containsExactlyInAnyOrder("requested->awaiting_approval", "requested->running",
        "requested->canceled", "awaiting_approval->running", "awaiting_approval->canceled",
        "awaiting_approval->timed_out", "running->succeeded", "running->failed");
    assertThatThrownBy(() -> ExecutionState.SUCCEEDED.requireTransition(ExecutionState.RUNNING, "execution 3"))
        .isInstanceOf(ConflictException.class)
        .hasMessage("execution 3 cannot go from succeeded to running (succeeded is final)");
  }
}
