package io.rollgate.store.playbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.audit.JournalEntry;
import io.rollgate.error.ConflictException;
import io.rollgate.error.ForbiddenException;
import io.rollgate.error.InvalidInputException;
import io.rollgate.error.NotFoundException;
import io.rollgate.incident.IncidentSettings;
import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.incident.playbook.ActionType;
import io.rollgate.incident.playbook.ExecutionState;
import io.rollgate.incident.playbook.PlaybookSettings;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.rollout.NewRollout;
import io.rollgate.store.testing.StoreFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 003's executor tests, translated, on both databases (so V6 migrates on PostgreSQL too): one command per
 * step with the change and its journal entries, approval with four-eyes and a deadline, compensation,
 * cancel, recovery of an interrupted execution, and refusals that change nothing.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class PlaybookStoreTest {
  private static final PolicyName P = PolicyName.of("limits");

  @Parameter
  Dialect dialect;

  private StoreFixture fx;
  private PlaybookStore store;
  private long incident;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    store = new PlaybookStore(fx.db(), fx.journal(), fx.policies(),
        PlaybookSettings.DEFAULTS.withApprovalTtl(Duration.ofMinutes(30))
            .withHttpAllow(List.of("https://runbooks.example/api/")));
    fx.policies().put(P, Json.object().put("maxWallTimeMs", 1000), "v1", "alice");
    fx.policies().put(P, Json.object().put("maxWallTimeMs", 2000), "v2", "alice");
    var incidents = new IncidentStore(fx.db(), fx.journal(), IncidentSettings.DEFAULTS);
    incident = incidents.signal(new Signal(Kind.VERIFICATION_FAILURE, Severity.SEV2, "limits", "bad", null))
        .incident().id();
  }

  @AfterEach
  void chainVerifies() {
    try {
      assertThat(fx.reader().verify().ok()).isTrue();
    } finally {
      fx.close();
    }
  }

  private String rollout() {
    return fx.rollouts().create(new NewRollout(P, null, Json.object().put("enforce", true),
        RolloutSpec.defaults("alice"), "try")).id();
  }

  private List<String> typesAfter(long seq) {
    return fx.entriesAfter(seq).stream().map(JournalEntry::type).toList();
  }

  @Test
  void a_low_risk_action_runs_in_its_request_command_with_its_own_entry_and_is_undone_by_its_compensation() {
    long head = fx.headSeq();
    var e = store.request(incident, ActionType.FREEZE_POLICY, Json.object().put("policy", "limits"), "stop changes",
        "bob");

    assertThat(e.state()).isEqualTo(ExecutionState.SUCCEEDED);
    assertThat(fx.policies().get(P).orElseThrow().frozen()).isTrue();
    assertThat(typesAfter(head)).containsExactly("policy.frozen", "action.executed");
    JournalEntry executed = fx.entriesAfter(head).get(1);
    assertThat(executed.subject()).isEqualTo("incident:" + incident);
    assertThat(executed.actor()).isEqualTo("bob");
    assertThat(executed.payload().path("state").asText()).isEqualTo("succeeded");
    assertThat(store.transitions(e.id())).extracting(c -> c.to().wire())
        .containsExactly("requested", "running", "succeeded");
    assertThat(e.undoable()).isTrue();

    var undo = store.compensate(incident, e.id(), "incident over", "carol");

    assertThat(undo.action()).isEqualTo(ActionType.UNFREEZE_POLICY);
    assertThat(undo.compensates()).isEqualTo(e.id());
    assertThat(undo.state()).isEqualTo(ExecutionState.SUCCEEDED);
    assertThat(fx.policies().get(P).orElseThrow().frozen()).isFalse();
    assertThatThrownBy(() -> store.compensate(incident, e.id(), "again", "carol"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("already undone (or being undone) by execution "
            + undo.id());
  }

  @Test
  void a_high_risk_action_waits_for_an_admin_who_is_not_the_requester_and_then_runs_in_the_approval_command() {
    var e = store.request(incident, ActionType.REVERT_POLICY, Json.object().put("policy", "limits").put("toVersion", 1),
        "v2 broke it", "bob");
    assertThat(e.state()).isEqualTo(ExecutionState.AWAITING_APPROVAL);
    assertThat(e.approvalDeadline()).isEqualTo(fx.clock.instant().plus(Duration.ofMinutes(30)));
    assertThat(fx.policies().get(P).orElseThrow().version()).isEqualTo(2);

    long head = fx.headSeq();
    assertThatThrownBy(() -> store.approve(incident, e.id(), "bob", "me"))
        .isInstanceOf(ForbiddenException.class).hasMessageContaining("four-eyes: 'bob' requested execution " + e.id());
    assertThat(fx.headSeq()).isEqualTo(head);

    var done = store.approve(incident, e.id(), "ann", "agreed");

    assertThat(done.state()).isEqualTo(ExecutionState.SUCCEEDED);
    assertThat(done.approver()).isEqualTo("ann");
    assertThat(fx.policies().get(P).orElseThrow().version()).isEqualTo(3);
    assertThat(fx.policies().get(P).orElseThrow().document().path("maxWallTimeMs").asInt()).isEqualTo(1000);
    assertThat(typesAfter(head)).containsExactly("action.approved", "policy.applied", "action.executed");
    assertThat(fx.entriesAfter(head).get(1).actor()).isEqualTo("ann");
    assertThat(done.compensation()).isEqualTo(Json.parse("{\"action\":\"revert-policy\",\"params\":"
        + "{\"policy\":\"limits\",\"toVersion\":2}}", "c"));
    assertThatThrownBy(() -> store.approve(incident, e.id(), "ann", "again"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("cannot go from succeeded to running");

    var undo = store.compensate(incident, done.id(), "the revert made it worse", "bob");
    assertThat(undo.state()).isEqualTo(ExecutionState.AWAITING_APPROVAL); // reverting back is high risk too
  }

  @Test
  void an_unapproved_execution_times_out_at_its_deadline_on_approve_and_on_expiry() {
    var a = store.request(incident, ActionType.REVERT_POLICY, Json.object().put("policy", "limits").put("toVersion", 1),
        "r", "bob");
    var b = store.request(incident, ActionType.REVERT_POLICY, Json.object().put("policy", "limits").put("toVersion", 1),
        "r", "bob");
    fx.clock.advance(Duration.ofMinutes(29));
    assertThat(store.expireDue(fx.clock.instant())).isZero();
    fx.clock.advance(Duration.ofMinutes(1));

    assertThatThrownBy(() -> store.approve(incident, a.id(), "ann", "late"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("timed out");
    assertThat(store.get(a.id()).orElseThrow().state()).isEqualTo(ExecutionState.TIMED_OUT);
    assertThat(store.expireDue(fx.clock.instant())).isEqualTo(1);
    assertThat(store.get(b.id()).orElseThrow().state()).isEqualTo(ExecutionState.TIMED_OUT);
    assertThat(fx.policies().get(P).orElseThrow().version()).isEqualTo(2);
  }

  @Test
  void set_percentage_down_runs_at_once_and_its_compensation_up_waits_for_an_approval() {
    String id = rollout();
    fx.rollouts().act(id, io.rollgate.store.rollout.Action.ADVANCE, "ann", "to 25%");

    var down = store.request(incident, ActionType.SET_PERCENTAGE,
        Json.object().put("rollout", id).put("percentage", 10), "too many errors", "bob");

    assertThat(down.state()).isEqualTo(ExecutionState.SUCCEEDED);
    assertThat(fx.rollouts().require(id).state().stageIndex()).isZero();
    var up = store.compensate(incident, down.id(), "fixed", "bob");
    assertThat(up.state()).isEqualTo(ExecutionState.AWAITING_APPROVAL);
    assertThat(store.approve(incident, up.id(), "ann", "ok").state()).isEqualTo(ExecutionState.SUCCEEDED);
    assertThat(fx.rollouts().require(id).state().stageIndex()).isEqualTo(1);
  }

  @Test
  void an_approval_after_the_target_changed_fails_the_execution_saying_why() {
    String id = rollout();
    fx.rollouts().act(id, io.rollgate.store.rollout.Action.ADVANCE, "ann", "to 25%");
    var up = store.request(incident, ActionType.SET_PERCENTAGE, Json.object().put("rollout", id).put("percentage", 50),
        "speed up", "bob");
    fx.rollouts().act(id, io.rollgate.store.rollout.Action.ROLL_BACK, "carol", "bad after all");

    var failed = store.approve(incident, up.id(), "ann", "ok");

    assertThat(failed.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(failed.result().path("error").asText()).contains("the target changed since the request")
        .contains("ROLLED_BACK");
    assertThat(failed.undoable()).isFalse();
  }

  @Test
  void rollback_rollout_rolls_back_and_cannot_be_undone() {
    String id = rollout();
    var e = store.request(incident, ActionType.ROLLBACK_ROLLOUT, Json.object().put("rollout", id), "regression",
        "bob");

    assertThat(e.state()).isEqualTo(ExecutionState.SUCCEEDED);
    assertThat(fx.rollouts().require(id).state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(e.result().path("phase").asText()).isEqualTo("ROLLED_BACK");
    assertThatThrownBy(() -> store.compensate(incident, e.id(), "undo", "bob"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("rollback-rollout is not reversible");
  }

  @Test
  void outside_actions_are_running_between_two_commands_and_a_restart_fails_the_interrupted_ones() {
    String id = rollout();
    var e = store.request(incident, ActionType.RERUN_ANALYSIS, Json.object().put("rollout", id), "measure", "bob");
    assertThat(e.state()).isEqualTo(ExecutionState.RUNNING);
    var done = store.finish(e.id(), true, Json.object().put("decision", "stay"));
    assertThat(done.state()).isEqualTo(ExecutionState.SUCCEEDED);
    assertThatThrownBy(() -> store.finish(e.id(), true, Json.object())).isInstanceOf(ConflictException.class);

    var call = store.request(incident, ActionType.HTTP_CALL, Json.parse("{\"url\":\"https://runbooks.example/api/x\","
        + "\"method\":\"POST\",\"headers\":{\"X-Token\":\"s3cret\"}}", "p"), "run it", "bob");
    store.approve(incident, call.id(), "ann", "ok");
    fx.restart();
    store = new PlaybookStore(fx.db(), fx.journal(), fx.policies(), store.settings());

    assertThat(store.recoverInterrupted()).isEqualTo(1);
    var after = store.get(call.id()).orElseThrow();
    assertThat(after.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(after.result().path("error").asText()).contains("interrupted").contains("http:runbooks.example");
    assertThat(after.params().path("headers").path("X-Token").asText()).isEqualTo("s3cret"); // kept to run it
    assertThat(fx.entries().stream().map(x -> x.payload().toString()).filter(t -> t.contains("s3cret"))).isEmpty();
  }

  @Test
  void cancel_withdraws_a_waiting_execution_only() {
    var e = store.request(incident, ActionType.REVERT_POLICY, Json.object().put("policy", "limits").put("toVersion", 1),
        "r", "bob");
    var c = store.cancel(incident, e.id(), "bob", "not needed");
    assertThat(c.state()).isEqualTo(ExecutionState.CANCELED);
    assertThatThrownBy(() -> store.cancel(incident, e.id(), "bob", "again"))
        .isInstanceOf(ConflictException.class).hasMessageContaining("canceled is final");
  }

  @Test
  void refused_requests_change_nothing_and_name_the_problem() {
    long head = fx.headSeq();
    assertThatThrownBy(() -> store.request(incident, ActionType.FREEZE_POLICY, Json.object().put("policy", "nope"),
        "r", "bob")).isInstanceOf(NotFoundException.class).hasMessageContaining("policy 'nope'");
    assertThatThrownBy(() -> store.request(incident, ActionType.FREEZE_POLICY, Json.object(), "r", "bob"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("params.policy");
    assertThatThrownBy(() -> store.request(999, ActionType.FREEZE_POLICY, Json.object().put("policy", "limits"), "r",
        "bob")).isInstanceOf(NotFoundException.class).hasMessageContaining("incident 999");
    assertThatThrownBy(() -> store.approve(incident, 42, "ann", "r"))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("execution 42 of incident " + incident);
    assertThat(store.dryRun(incident, ActionType.REVERT_POLICY, Json.object().put("policy", "limits")
        .put("toVersion", 1), "bob", fx.clock.instant()).needsApproval()).isTrue();
    assertThat(fx.headSeq()).isEqualTo(head);
    assertThat(store.history(incident, 10)).isEmpty();
  }
}
