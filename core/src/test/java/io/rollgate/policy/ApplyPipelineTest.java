package io.rollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.policy.ApplyPipeline.Decision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApplyPipelineTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** Versions of one policy, oldest first as written, handed to the pipeline newest first. */
  private final List<PolicyVersion> versions = new ArrayList<>();

  private void version(long atSecond, String json) {
    ObjectNode doc = (ObjectNode) Json.parse(json, "doc");
    String canonical = Canonical.canonicalize(doc);
    versions.add(new PolicyVersion("limits", versions.size() + 1, Json.parseStoredObject(canonical),
        Canonical.sha256Hex(canonical), versions.isEmpty() ? ChangeKind.CREATE : ChangeKind.PATCH, null, "alice",
        T0.plusSeconds(atSecond), versions.size() + 1));
  }

  private ApplyPipeline.Current current(boolean frozen, GuardConfig guards) {
    return new ApplyPipeline.Current(frozen, frozen ? "incident 42" : null, guards, versions.reversed());
  }

  private static ObjectNode doc(String json) {
    return (ObjectNode) Json.parse(json, "doc");
  }

  private static SkipReason skip(Decision d) {
    assertThat(d).isInstanceOf(Decision.Skip.class);
    return ((Decision.Skip) d).reason();
  }

  @Test
  void applies_when_no_guard_is_configured_and_reports_changed_keys() {
    version(0, "{\"a\":1,\"b\":{\"c\":2}}");
    Decision d = ApplyPipeline.decide(current(false, GuardConfig.NONE), doc("{\"a\":1,\"b\":{\"c\":3}}"),
        ChangeKind.PATCH, T0.plusSeconds(1));

    assertThat(d).isInstanceOf(Decision.Apply.class);
    var apply = (Decision.Apply) d;
    assertThat(apply.changedKeys()).containsExactly("/b/c");
    assertThat(apply.stateHash()).isEqualTo(Canonical.sha256Hex("{\"a\":1,\"b\":{\"c\":3}}"));
    assertThat(apply.bytes()).isEqualTo("{\"a\":1,\"b\":{\"c\":3}}".length());
  }

  @Test
  void same_state_hash_is_a_no_op_even_with_other_key_order_or_number_spelling() {
    version(0, "{\"a\":1,\"b\":2}");
    SkipReason r = skip(ApplyPipeline.decide(current(false, GuardConfig.NONE), doc("{\"b\":2.0,\"a\":1}"),
        ChangeKind.REPLACE, T0.plusSeconds(5)));

    assertThat(r).isEqualTo(new SkipReason(false, false, false, false, true, r.note()));
    assertThat(r.note()).startsWith("no effective change: the candidate's state hash equals version 1");
  }

  @Test
  void cooldown_alone_fires_until_exactly_the_cooldown_has_passed() {
    version(0, "{\"a\":1}");
    var guards = new GuardConfig(30, null, 0);

    SkipReason r = skip(ApplyPipeline.decide(current(false, guards), doc("{\"a\":2}"), ChangeKind.PATCH,
        T0.plusSeconds(12)));
    assertThat(r).isEqualTo(new SkipReason(false, false, false, true, false,
        "cooldown: version 1 was applied 12s ago, the cooldown is 30s (18s left)"));

    assertThat(ApplyPipeline.decide(current(false, guards), doc("{\"a\":2}"), ChangeKind.PATCH, T0.plusSeconds(30)))
        .isInstanceOf(Decision.Apply.class);
  }

  @Test
  void velocity_alone_counts_applied_changes_inside_the_window() {
    version(0, "{\"a\":1}");
    version(100, "{\"a\":2}");
    version(200, "{\"a\":3}");
    var guards = new GuardConfig(0, new GuardConfig.Velocity(2, 150), 0);

    // at 250 the window (100, 250] holds version 3 only... and version 2 at exactly 100 is outside
    assertThat(ApplyPipeline.decide(current(false, guards), doc("{\"a\":4}"), ChangeKind.PATCH, T0.plusSeconds(250)))
        .isInstanceOf(Decision.Apply.class);
    // at 249 the window (99, 249] holds versions 2 and 3: the limit of 2 is reached
    SkipReason r = skip(ApplyPipeline.decide(current(false, guards), doc("{\"a\":4}"), ChangeKind.PATCH,
        T0.plusSeconds(249)));
    assertThat(r).isEqualTo(new SkipReason(false, false, true, false, false,
        "velocity: 2 changes applied in the last 150s, the limit is 2"));
  }

  @Test
  void oscillation_alone_fires_when_a_key_returns_to_its_previous_value_within_the_window() {
    version(0, "{\"a\":1,\"b\":\"x\"}");
    version(100, "{\"a\":2,\"b\":\"x\"}");
    var guards = new GuardConfig(0, null, 300);

    SkipReason r = skip(ApplyPipeline.decide(current(false, guards), doc("{\"a\":1,\"b\":\"x\"}"), ChangeKind.PATCH,
        T0.plusSeconds(160)));
    assertThat(r).isEqualTo(new SkipReason(false, true, false, false, false,
        "oscillation: /a would return to 1, its value before version 2 changed it 60s ago (window 300s)"));

    // to another value: not an oscillation
    assertThat(ApplyPipeline.decide(current(false, guards), doc("{\"a\":3,\"b\":\"x\"}"), ChangeKind.PATCH,
        T0.plusSeconds(160))).isInstanceOf(Decision.Apply.class);
    // after the window: allowed back
    assertThat(ApplyPipeline.decide(current(false, guards), doc("{\"a\":1,\"b\":\"x\"}"), ChangeKind.PATCH,
        T0.plusSeconds(400))).isInstanceOf(Decision.Apply.class);
  }

  @Test
  void oscillation_looks_at_the_last_change_of_each_key_not_the_last_version() {
    version(0, "{\"a\":1,\"b\":1}");
    version(10, "{\"a\":2,\"b\":1}");   // a changed here
    version(20, "{\"a\":2,\"b\":5}");   // b changed here, a untouched
    var guards = new GuardConfig(0, null, 300);

    SkipReason r = skip(ApplyPipeline.decide(current(false, guards), doc("{\"a\":1,\"b\":5}"), ChangeKind.PATCH,
        T0.plusSeconds(30)));
    assertThat(r.oscillation()).isTrue();
    assertThat(r.note()).contains("/a would return to 1").contains("before version 2");
  }

  @Test
  void a_removed_key_coming_back_is_an_oscillation() {
    version(0, "{\"a\":1,\"b\":2}");
    version(10, "{\"a\":1}");
    var guards = new GuardConfig(0, null, 300);
    SkipReason r = skip(ApplyPipeline.decide(current(false, guards), doc("{\"a\":1,\"b\":2}"), ChangeKind.PATCH,
        T0.plusSeconds(20)));
    assertThat(r.oscillation()).isTrue();
    assertThat(r.note()).contains("/b would return to 2");
  }

  @Test
  void freeze_alone_stops_every_change_and_names_the_reason() {
    version(0, "{\"a\":1}");
    SkipReason r = skip(ApplyPipeline.decide(current(true, GuardConfig.NONE), doc("{\"a\":2}"), ChangeKind.PATCH,
        T0.plusSeconds(1000)));
    assertThat(r).isEqualTo(new SkipReason(true, false, false, false, false,
        "policy 'limits' is frozen: incident 42"));
  }

  @Test
  void every_guard_that_fires_is_flagged_and_the_note_names_the_highest_priority() {
    version(0, "{\"a\":1}");
    version(10, "{\"a\":2}");
    var all = new GuardConfig(60, new GuardConfig.Velocity(1, 60), 60);
    var back = doc("{\"a\":1}");
    Instant now = T0.plusSeconds(20);

    SkipReason frozen = skip(ApplyPipeline.decide(current(true, all), back, ChangeKind.PATCH, now));
    assertThat(List.of(frozen.freeze(), frozen.oscillation(), frozen.velocity(), frozen.cooldown(), frozen.noOp()))
        .containsExactly(true, true, true, true, false);
    assertThat(frozen.note()).startsWith("policy 'limits' is frozen");

    SkipReason unfrozen = skip(ApplyPipeline.decide(current(false, all), back, ChangeKind.PATCH, now));
    assertThat(unfrozen.note()).startsWith("oscillation:");

    SkipReason noOscillation = skip(ApplyPipeline.decide(current(false, all), doc("{\"a\":9}"), ChangeKind.PATCH, now));
    assertThat(noOscillation.oscillation()).isFalse();
    assertThat(noOscillation.velocity()).isTrue();
    assertThat(noOscillation.cooldown()).isTrue();
    assertThat(noOscillation.note()).startsWith("velocity:");

    var cooldownOnly = new GuardConfig(60, new GuardConfig.Velocity(5, 60), 60);
    SkipReason c = skip(ApplyPipeline.decide(current(false, cooldownOnly), doc("{\"a\":9}"), ChangeKind.PATCH, now));
    assertThat(c.note()).startsWith("cooldown:");
  }

  @Test
  void a_no_op_under_cooldown_reports_both_and_names_the_cooldown() {
    version(0, "{\"a\":1}");
    SkipReason r = skip(ApplyPipeline.decide(current(false, new GuardConfig(60, null, 0)), doc("{\"a\":1}"),
        ChangeKind.PATCH, T0.plusSeconds(1)));
    assertThat(r.noOp()).isTrue();
    assertThat(r.cooldown()).isTrue();
    assertThat(r.note()).startsWith("cooldown:");
  }

  @Test
  void rollback_passes_oscillation_velocity_and_cooldown_but_not_freeze() {
    version(0, "{\"a\":1}");
    version(10, "{\"a\":2}");
    var all = new GuardConfig(60, new GuardConfig.Velocity(1, 60), 60);
    Instant now = T0.plusSeconds(20);

    assertThat(ApplyPipeline.decide(current(false, all), doc("{\"a\":1}"), ChangeKind.ROLLBACK, now))
        .isInstanceOf(Decision.Apply.class);
    SkipReason r = skip(ApplyPipeline.decide(current(true, all), doc("{\"a\":1}"), ChangeKind.ROLLBACK, now));
    assertThat(r).isEqualTo(new SkipReason(true, false, false, false, false, "policy 'limits' is frozen: incident 42"));
  }

  @Test
  void create_hashes_the_canonical_form_and_lists_every_leaf() {
    var d = ApplyPipeline.create(doc("{\"z\":1,\"a\":{\"b\":true}}"));
    assertThat(d.canonical()).isEqualTo("{\"a\":{\"b\":true},\"z\":1}");
    assertThat(d.stateHash()).isEqualTo(Canonical.sha256Hex("{\"a\":{\"b\":true},\"z\":1}"));
    assertThat(d.changedKeys()).containsExactly("/a/b", "/z");
  }
}
