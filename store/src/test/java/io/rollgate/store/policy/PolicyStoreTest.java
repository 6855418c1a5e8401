package io.rollgate.store.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.error.NotFoundException;
import io.rollgate.json.Json;
import io.rollgate.policy.ApplyResult;
import io.rollgate.policy.ChangeKind;
import io.rollgate.policy.GuardConfig;
import io.rollgate.policy.PolicyName;
import io.rollgate.policy.PolicyVersion;
import io.rollgate.policy.SkipReason;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.Sha;
import io.rollgate.store.testing.StoreFixture;
import io.rollgate.store.testing.WriterGate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PolicyStore through the real journal on both databases: every mutation writes exactly its entry
 * and commits with it; guards see the injected clock; failures journal nothing.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class PolicyStoreTest {
  private static final PolicyName LIMITS = PolicyName.of("resource-limits");
  private static final Instant T0 = Instant.parse(StoreFixture.START);

  @Parameter
  Dialect dialect;

  private StoreFixture fx;
  private PolicyStore store;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    store = fx.policies();
  }

  @AfterEach
  void every_version_row_and_applied_entry_belong_together_and_the_chain_verifies() {
    try {
      assertStateAndJournalAgree();
    } finally {
      fx.close();
    }
  }

  // ---------------------------------------------------------------- create, change, replace, no-op

  @Test
  void creating_a_policy_stores_version_one_with_no_old_hash_and_journals_exactly_policy_applied() {
    var m = journaled(() -> store.put(LIMITS, doc("{'b':2,'a':{'y':true,'x':1.50}}"), "initial", "alice"));
    ApplyResult r = m.result();

    String canonical = "{\"a\":{\"x\":1.5,\"y\":true},\"b\":2}";
    assertThat(r.applied()).isTrue();
    assertThat(r.noOp()).isFalse();
    assertThat(r.version()).isEqualTo(1);
    assertThat(r.oldHash()).isNull();
    assertThat(r.stateHash()).isEqualTo(Sha.sha256(canonical));
    assertThat(r.changedKeys()).containsExactly("/a/x", "/a/y", "/b");
    assertThat(r.bytesWritten()).isEqualTo(canonical.length());
    assertThat(r.skipReason()).isNull();
    assertThat(storedDocument(1)).isEqualTo(canonical);
    assertThat(storedHash(1)).isEqualTo(Sha.sha256(canonical));

    JournalEntry e = single(m.added(), "policy.applied");
    assertThat(e.subject()).isEqualTo("resource-limits");
    assertThat(e.actor()).isEqualTo("alice");
    assertThat(e.recordedAt()).isEqualTo(T0);
    assertThat(e.payload().get("version").asInt()).isEqualTo(1);
    assertThat(e.payload().get("kind").asText()).isEqualTo("create");
    assertThat(e.payload().get("stateHash").asText()).isEqualTo(r.stateHash());
    assertThat(e.payload().get("oldHash").isNull()).isTrue();
    assertThat(e.payload().get("reason").asText()).isEqualTo("initial");
    assertThat(fx.queryLong("SELECT journal_seq FROM policy_versions WHERE policy = ? AND version = 1",
        "resource-limits")).isEqualTo(e.seq());

    PolicyView view = store.get(LIMITS).orElseThrow();
    assertThat(view.version()).isEqualTo(1);
    assertThat(view.stateHash()).isEqualTo(r.stateHash());
    assertThat(view.document()).isEqualTo(doc("{'a':{'x':1.5,'y':true},'b':2}"));
    assertThat(view.frozen()).isFalse();
    assertThat(view.guards()).isEqualTo(GuardConfig.NONE);
    assertThat(view.createdAt()).isEqualTo(T0);
  }

  @Test
  void a_merge_patch_change_reports_changed_keys_as_json_pointers_and_hashes_the_stored_canonical_text() {
    ApplyResult v1 = store.put(LIMITS, doc("{'limits':{'cpu':'1','mem':'1Gi'},'old':true,'mode':'warn'}"), "init", "alice");
    fx.clock.advanceSeconds(5);

    var m = journaled(() -> store.change(LIMITS,
        doc("{'limits':{'cpu':'2'},'old':null,'a/b':1,'t~x':{'deep':1}}"), "tune", "bob"));
    ApplyResult r = m.result();

    String canonical = "{\"a/b\":1,\"limits\":{\"cpu\":\"2\",\"mem\":\"1Gi\"},\"mode\":\"warn\",\"t~x\":{\"deep\":1}}";
    assertThat(r.applied()).isTrue();
    assertThat(r.version()).isEqualTo(2);
    assertThat(r.oldHash()).isEqualTo(v1.stateHash());
    assertThat(r.changedKeys()).containsExactly("/a~1b", "/limits/cpu", "/old", "/t~0x/deep");
    assertThat(storedDocument(2)).isEqualTo(canonical);
    assertThat(r.stateHash()).isEqualTo(Sha.sha256(canonical)).isEqualTo(storedHash(2));
    assertThat(r.bytesWritten()).isEqualTo(canonical.length());

    JournalEntry e = single(m.added(), "policy.applied");
    assertThat(e.actor()).isEqualTo("bob");
    assertThat(e.recordedAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(e.payload().get("kind").asText()).isEqualTo("patch");
    assertThat(e.payload().get("oldHash").asText()).isEqualTo(v1.stateHash());
    assertThat(e.payload().get("changedKeys").toString())
        .isEqualTo("[\"/a~1b\",\"/limits/cpu\",\"/old\",\"/t~0x/deep\"]");
    PolicyVersion v2 = store.version(LIMITS, 2);
    assertThat(v2.kind()).isEqualTo(ChangeKind.PATCH);
    assertThat(v2.journalSeq()).isEqualTo(e.seq());
    assertThat(v2.createdAt()).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void replacing_a_document_records_kind_replace_and_reports_removed_and_added_keys() {
    ApplyResult v1 = store.put(LIMITS, doc("{'cpu':1,'mem':2}"), "init", "alice");

    var m = journaled(() -> store.put(LIMITS, doc("{'mem':2,'disk':3}"), "replace", "alice"));

    assertThat(m.result().applied()).isTrue();
    assertThat(m.result().version()).isEqualTo(2);
    assertThat(m.result().oldHash()).isEqualTo(v1.stateHash());
    assertThat(m.result().changedKeys()).containsExactly("/cpu", "/disk");
    assertThat(single(m.added(), "policy.applied").payload().get("kind").asText()).isEqualTo("replace");
    assertThat(store.version(LIMITS, 2).kind()).isEqualTo(ChangeKind.REPLACE);
    assertThat(store.get(LIMITS).orElseThrow().document()).isEqualTo(doc("{'disk':3,'mem':2}"));
  }

  @Test
  void a_change_with_no_effect_is_skipped_as_a_no_op_and_journaled_as_policy_skipped() {
    ApplyResult v1 = store.put(LIMITS, doc("{'limit':1,'mode':'warn'}"), "init", "alice");

    var patch = journaled(() -> store.change(LIMITS, doc("{'mode':'warn'}"), "same", "bob"));
    // key order and 1.0 vs 1 do not change the canonical form
    var replace = journaled(() -> store.put(LIMITS, doc("{'mode':'warn','limit':1.0}"), "same again", "bob"));

    for (var m : List.of(patch, replace)) {
      ApplyResult r = m.result();
      assertThat(r.applied()).isFalse();
      assertThat(r.noOp()).isTrue();
      assertThat(r.version()).isEqualTo(1);
      assertThat(r.stateHash()).isEqualTo(v1.stateHash());
      assertThat(r.oldHash()).isEqualTo(v1.stateHash());
      assertThat(r.changedKeys()).isEmpty();
      assertThat(r.bytesWritten()).isZero();
      assertThat(r.skipReason()).isEqualTo(new SkipReason(false, false, false, false, true, r.skipReason().note()));
      assertThat(r.skipReason().note()).startsWith("no effective change");
      JournalEntry e = single(m.added(), "policy.skipped");
      assertThat(e.payload().get("candidateHash").asText()).isEqualTo(v1.stateHash());
      assertThat(e.payload().get("skipReason").get("noOp").asBoolean()).isTrue();
    }
    assertThat(store.versions(LIMITS, 10)).extracting(PolicyVersion::version).containsExactly(1);
  }

  // ---------------------------------------------------------------- guards

  @Test
  void cooldown_skips_changes_until_the_cooldown_since_the_last_applied_version_has_elapsed() {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice");
    store.setGuards(LIMITS, new GuardConfig(60, null, 0), "alice");

    fx.clock.advanceSeconds(30);
    var early = journaled(() -> store.change(LIMITS, doc("{'limit':2}"), "early", "bob"));
    assertSkipped(early.result(), new SkipReason(false, false, false, true, false,
        "cooldown: version 1 was applied 30s ago, the cooldown is 60s (30s left)"));
    JournalEntry skippedEntry = single(early.added(), "policy.skipped");
    assertThat(skippedEntry.payload().get("candidateHash").asText()).isEqualTo(Sha.sha256("{\"limit\":2}"));
    assertThat(skippedEntry.payload().get("skipReason").get("cooldown").asBoolean()).isTrue();

    fx.clock.set(T0.plusMillis(59_999));
    assertThat(store.change(LIMITS, doc("{'limit':2}"), "almost", "bob").skipReason().cooldown()).isTrue();

    fx.clock.set(T0.plusSeconds(60));
    ApplyResult applied = store.change(LIMITS, doc("{'limit':2}"), "now", "bob");
    assertThat(applied.applied()).isTrue();
    assertThat(applied.version()).isEqualTo(2);

    // the cooldown restarts from the version just applied
    assertThat(store.change(LIMITS, doc("{'limit':3}"), "again", "bob").skipReason())
        .isEqualTo(new SkipReason(false, false, false, true, false,
            "cooldown: version 2 was applied 0s ago, the cooldown is 60s (60s left)"));
  }

  @Test
  void velocity_skips_a_change_when_the_window_already_holds_max_changes() {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice"); // counts as a change at T0
    store.setGuards(LIMITS, new GuardConfig(0, new GuardConfig.Velocity(2, 100), 0), "alice");
    fx.clock.advanceSeconds(1);
    assertThat(store.change(LIMITS, doc("{'limit':2}"), "second", "bob").applied()).isTrue();

    fx.clock.advanceSeconds(1);
    var m = journaled(() -> store.change(LIMITS, doc("{'limit':3}"), "third", "bob"));
    assertSkipped(m.result(), new SkipReason(false, false, true, false, false,
        "velocity: 2 changes applied in the last 100s, the limit is 2"));
    single(m.added(), "policy.skipped");

    // at T0+100 the creation leaves the window (strictly after now-100s counts)
    fx.clock.set(T0.plusSeconds(100));
    ApplyResult third = store.change(LIMITS, doc("{'limit':3}"), "third", "bob");
    assertThat(third.applied()).isTrue();
    assertThat(third.version()).isEqualTo(3);
    assertThat(store.change(LIMITS, doc("{'limit':4}"), "fourth", "bob").skipReason().velocity()).isTrue();
  }

  @Test
  void oscillation_skips_a_key_returning_to_its_previous_value_within_the_window() {
    store.put(LIMITS, doc("{'limit':10,'mode':'warn'}"), "init", "alice");
    store.setGuards(LIMITS, new GuardConfig(0, null, 300), "alice");
    fx.clock.advanceSeconds(10);
    assertThat(store.change(LIMITS, doc("{'limit':20}"), "raise", "bob").applied()).isTrue();

    fx.clock.advanceSeconds(10);
    var back = journaled(() -> store.change(LIMITS, doc("{'limit':10}"), "lower again", "bob"));
    assertSkipped(back.result(), new SkipReason(false, true, false, false, false,
        "oscillation: /limit would return to 10, its value before version 2 changed it 10s ago (window 300s)"));
    assertThat(back.result().changedKeys()).containsExactly("/limit");
    single(back.added(), "policy.skipped");

    // a change elsewhere is not an oscillation
    ApplyResult other = store.change(LIMITS, doc("{'mode':'enforce'}"), "mode", "bob");
    assertThat(other.applied()).isTrue();

    // the window runs from the version that changed /limit (T0+10)
    fx.clock.set(T0.plusSeconds(309));
    assertThat(store.change(LIMITS, doc("{'limit':10}"), "still", "bob").skipReason().oscillation()).isTrue();
    fx.clock.set(T0.plusSeconds(310));
    ApplyResult after = store.change(LIMITS, doc("{'limit':10}"), "window over", "bob");
    assertThat(after.applied()).isTrue();
    assertThat(after.version()).isEqualTo(4);
  }

  @Test
  void a_frozen_policy_skips_changes_replacements_and_rollbacks_until_unfrozen() {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice");
    store.change(LIMITS, doc("{'limit':2}"), "raise", "alice");
    store.freeze(LIMITS, "incident 42", "bob");

    String note = "policy 'resource-limits' is frozen: incident 42";
    var change = journaled(() -> store.change(LIMITS, doc("{'limit':3}"), "change", "carol"));
    assertSkipped(change.result(), new SkipReason(true, false, false, false, false, note));
    single(change.added(), "policy.skipped");
    var put = journaled(() -> store.put(LIMITS, doc("{'limit':4}"), "replace", "carol"));
    assertSkipped(put.result(), new SkipReason(true, false, false, false, false, note));
    single(put.added(), "policy.skipped");
    var rollback = journaled(() -> store.rollback(LIMITS, 1, "back", "carol"));
    assertSkipped(rollback.result(), new SkipReason(true, false, false, false, false, note));
    single(rollback.added(), "policy.skipped");
    // even a no-op proposal reports the freeze first
    assertThat(store.change(LIMITS, doc("{'limit':2}"), "same", "carol").skipReason())
        .isEqualTo(new SkipReason(true, false, false, false, true, note));

    store.unfreeze(LIMITS, "resolved", "bob");
    ApplyResult r = store.change(LIMITS, doc("{'limit':3}"), "change", "carol");
    assertThat(r.applied()).isTrue();
    assertThat(r.version()).isEqualTo(3);
  }

  @Test
  void rollback_bypasses_cooldown_velocity_and_oscillation_but_not_freeze() {
    ApplyResult v1 = store.put(LIMITS, doc("{'limit':10}"), "init", "alice");
    fx.clock.advanceSeconds(1);
    ApplyResult v2 = store.change(LIMITS, doc("{'limit':20}"), "raise", "alice");
    store.setGuards(LIMITS, new GuardConfig(3600, new GuardConfig.Velocity(1, 3600), 3600), "alice");
    fx.clock.advanceSeconds(1);

    // the same content as a change trips every guard, and the note names the highest one
    ApplyResult asChange = store.change(LIMITS, doc("{'limit':10}"), "lower", "bob");
    assertThat(asChange.applied()).isFalse();
    assertThat(asChange.skipReason().oscillation()).isTrue();
    assertThat(asChange.skipReason().velocity()).isTrue();
    assertThat(asChange.skipReason().cooldown()).isTrue();
    assertThat(asChange.skipReason().freeze()).isFalse();
    assertThat(asChange.skipReason().note()).startsWith("oscillation:");

    var m = journaled(() -> store.rollback(LIMITS, 1, null, "bob"));
    ApplyResult rb = m.result();
    assertThat(rb.applied()).isTrue();
    assertThat(rb.version()).isEqualTo(3);
    assertThat(rb.stateHash()).isEqualTo(v1.stateHash());
    assertThat(rb.oldHash()).isEqualTo(v2.stateHash());
    assertThat(rb.changedKeys()).containsExactly("/limit");
    JournalEntry e = single(m.added(), "policy.applied");
    assertThat(e.payload().get("kind").asText()).isEqualTo("rollback");
    assertThat(e.payload().get("reason").asText()).isEqualTo("rollback to version 1");

    store.freeze(LIMITS, "hands off", "carol");
    ApplyResult frozen = store.rollback(LIMITS, 2, "forward", "bob");
    assertSkipped(frozen, new SkipReason(true, false, false, false, false,
        "policy 'resource-limits' is frozen: hands off"));
    // a frozen change reports every guard that fired, and freeze first
    ApplyResult all = store.change(LIMITS, doc("{'limit':20}"), "raise", "bob");
    assertThat(all.skipReason()).isEqualTo(new SkipReason(true, true, true, true, false,
        "policy 'resource-limits' is frozen: hands off"));
  }

  // ---------------------------------------------------------------- rollback, history, not found

  @Test
  void rollback_to_a_version_commits_its_content_as_a_new_version_with_kind_rollback() {
    ApplyResult v1 = store.put(LIMITS, doc("{'a':1,'b':{'c':true}}"), "init", "alice");
    store.change(LIMITS, doc("{'a':2}"), "two", "alice");
    ApplyResult v3 = store.change(LIMITS, doc("{'b':null,'d':'x'}"), "three", "alice");

    ApplyResult rb = store.rollback(LIMITS, 1, "bad deploy", "bob");

    assertThat(rb.applied()).isTrue();
    assertThat(rb.version()).isEqualTo(4);
    assertThat(rb.stateHash()).isEqualTo(v1.stateHash());
    assertThat(rb.oldHash()).isEqualTo(v3.stateHash());
    assertThat(rb.changedKeys()).containsExactly("/a", "/b/c", "/d");
    PolicyVersion v4 = store.version(LIMITS, 4);
    assertThat(v4.kind()).isEqualTo(ChangeKind.ROLLBACK);
    assertThat(v4.reason()).isEqualTo("bad deploy");
    assertThat(v4.actor()).isEqualTo("bob");
    assertThat(v4.document()).isEqualTo(store.version(LIMITS, 1).document());
    assertThat(storedDocument(4)).isEqualTo(storedDocument(1));

    // rolling back to the content already current is a no-op, not a new version
    ApplyResult again = store.rollback(LIMITS, 1, "again", "bob");
    assertThat(again.applied()).isFalse();
    assertThat(again.noOp()).isTrue();
    assertThat(again.version()).isEqualTo(4);
  }

  @Test
  void versions_are_listed_newest_first_and_limited() {
    store.put(LIMITS, doc("{'n':1}"), "v1", "alice");
    for (int n = 2; n <= 5; n++) {
      fx.clock.advanceSeconds(1);
      store.change(LIMITS, doc("{'n':" + n + "}"), "v" + n, "alice");
    }

    List<PolicyVersion> all = store.versions(LIMITS, 100);
    assertThat(all).extracting(PolicyVersion::version).containsExactly(5, 4, 3, 2, 1);
    assertThat(all).extracting(PolicyVersion::reason).containsExactly("v5", "v4", "v3", "v2", "v1");
    assertThat(all).extracting(PolicyVersion::createdAt)
        .containsExactly(T0.plusSeconds(4), T0.plusSeconds(3), T0.plusSeconds(2), T0.plusSeconds(1), T0);
    assertThat(all).extracting(v -> v.document().get("n").asInt()).containsExactly(5, 4, 3, 2, 1);
    assertThat(all).extracting(PolicyVersion::journalSeq).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    assertThat(store.versions(LIMITS, 2)).extracting(PolicyVersion::version).containsExactly(5, 4);
    assertThat(store.version(LIMITS, 3).document()).isEqualTo(doc("{'n':3}"));
  }

  @Test
  void unknown_policies_and_versions_throw_not_found_and_journal_nothing() {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice");
    var head = fx.reader().head();
    long count = fx.reader().count();
    PolicyName ghost = PolicyName.of("ghost");

    assertThatThrownBy(() -> store.change(ghost, doc("{'a':1}"), "r", "bob"))
        .isInstanceOf(NotFoundException.class).hasMessage("policy 'ghost' does not exist");
    assertThatThrownBy(() -> store.rollback(ghost, 1, "r", "bob")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.rollback(LIMITS, 9, "r", "bob"))
        .isInstanceOf(NotFoundException.class)
        .hasMessage("version 9 of policy 'resource-limits' does not exist (versions are 1 to 1)");
    assertThatThrownBy(() -> store.freeze(ghost, "r", "bob")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.unfreeze(ghost, "r", "bob")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.setGuards(ghost, new GuardConfig(5, null, 0), "bob"))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.versions(ghost, 10)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> store.version(LIMITS, 2))
        .isInstanceOf(NotFoundException.class)
        .hasMessage("version 2 of policy 'resource-limits' does not exist (versions are 1 to 1)");
    assertThat(store.get(ghost)).isEmpty();

    assertThat(fx.reader().head()).isEqualTo(head);
    assertThat(fx.reader().count()).isEqualTo(count);
    assertThat(store.list()).extracting(PolicyView::name).containsExactly("resource-limits");
    // the failed commands used no sequence number
    store.change(LIMITS, doc("{'limit':2}"), "r", "bob");
    assertThat(fx.headSeq()).isEqualTo(head.seq() + 1);
  }

  // ---------------------------------------------------------------- guards, freeze

  @Test
  void guards_are_stored_journaled_and_still_enforced_after_a_restart() {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice");
    var guards = new GuardConfig(600, new GuardConfig.Velocity(3, 3600), 900);

    var m = journaled(() -> store.setGuards(LIMITS, guards, "alice"));

    assertThat(m.result().guards()).isEqualTo(guards);
    JournalEntry e = single(m.added(), "policy.guards_set");
    assertThat(e.actor()).isEqualTo("alice");
    assertThat(e.payload().get("guards")).isEqualTo(Json.parse(Json.write(guards), "guards"));

    fx.restart();
    store = fx.policies();
    assertThat(store.get(LIMITS).orElseThrow().guards()).isEqualTo(guards);
    fx.clock.advanceSeconds(599);
    assertThat(store.change(LIMITS, doc("{'limit':2}"), "r", "bob").skipReason().cooldown()).isTrue();

    // setting the same guards again changes nothing and journals nothing
    long head = fx.headSeq();
    assertThat(store.setGuards(LIMITS, guards, "alice").guards()).isEqualTo(guards);
    assertThat(fx.headSeq()).isEqualTo(head);

    // turning guards off is stored too
    store.setGuards(LIMITS, GuardConfig.NONE, "alice");
    assertThat(store.get(LIMITS).orElseThrow().guards()).isEqualTo(GuardConfig.NONE);
    assertThat(store.change(LIMITS, doc("{'limit':2}"), "r", "bob").applied()).isTrue();
  }

  @Test
  void freeze_and_unfreeze_are_idempotent_and_journal_only_real_transitions() {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice");
    fx.clock.advanceSeconds(7);

    var first = journaled(() -> store.freeze(LIMITS, "incident 7", "bob"));
    PolicyView frozen = first.result();
    assertThat(frozen.frozen()).isTrue();
    assertThat(frozen.frozenReason()).isEqualTo("incident 7");
    assertThat(frozen.frozenBy()).isEqualTo("bob");
    assertThat(frozen.frozenAt()).isEqualTo(T0.plusSeconds(7));
    JournalEntry e = single(first.added(), "policy.frozen");
    assertThat(e.actor()).isEqualTo("bob");
    assertThat(e.payload().get("reason").asText()).isEqualTo("incident 7");

    fx.clock.advanceSeconds(1);
    var second = journaled(() -> store.freeze(LIMITS, "another reason", "carol"));
    assertThat(second.added()).isEmpty();
    assertThat(second.result().frozenReason()).isEqualTo("incident 7");
    assertThat(second.result().frozenBy()).isEqualTo("bob");
    assertThat(second.result().frozenAt()).isEqualTo(T0.plusSeconds(7));

    var thaw = journaled(() -> store.unfreeze(LIMITS, "resolved", "bob"));
    assertThat(thaw.result().frozen()).isFalse();
    assertThat(thaw.result().frozenReason()).isNull();
    assertThat(thaw.result().frozenBy()).isNull();
    assertThat(thaw.result().frozenAt()).isNull();
    assertThat(single(thaw.added(), "policy.unfrozen").payload().get("reason").asText()).isEqualTo("resolved");

    var thawAgain = journaled(() -> store.unfreeze(LIMITS, "resolved", "bob"));
    assertThat(thawAgain.added()).isEmpty();
    assertThat(thawAgain.result().frozen()).isFalse();
    assertThat(store.get(LIMITS).orElseThrow().frozen()).isFalse();
  }

  // ---------------------------------------------------------------- batches and savepoints

  @Test
  void a_failing_command_is_rolled_back_alone_while_the_rest_of_its_batch_commits() throws Exception {
    var journal = fx.journal();
    long headBefore = fx.headSeq();
    ExecutorService callers = Executors.newFixedThreadPool(3);
    try (WriterGate gate = WriterGate.hold(journal)) {
      long batchesBefore = journal.batches();
      CompletableFuture<ApplyResult> alpha = CompletableFuture.supplyAsync(
          () -> store.put(PolicyName.of("alpha"), doc("{'a':1}"), "r", "alice"), callers);
      await().atMost(Duration.ofSeconds(10)).until(() -> journal.queueDepth() == 1);
      // writes state and an entry, then throws: both must vanish
      CompletableFuture<Object> throwing = journal.submit(tx -> {
        PolicyRows.insertPolicy(tx.handle(), "ghost", GuardConfig.NONE, tx.now());
        tx.append("test.ghost", "ghost", "mallory", Json.object().put("n", 1));
        throw new IllegalStateException("boom after writing");
      });
      // fails inside the database: on PostgreSQL this aborts the transaction unless the savepoint is rolled back
      CompletableFuture<Object> sqlError = journal.submit(tx -> {
        PolicyRows.insertPolicy(tx.handle(), "ghost2", GuardConfig.NONE, tx.now());
        tx.append("test.ghost", "ghost2", "mallory", Json.object().put("n", 2));
        PolicyRows.insertPolicy(tx.handle(), "ghost2", GuardConfig.NONE, tx.now()); // duplicate key
        return "unreachable";
      });
      CompletableFuture<ApplyResult> missing = CompletableFuture.supplyAsync(
          () -> store.change(PolicyName.of("nobody"), doc("{'a':1}"), "r", "alice"), callers);
      await().atMost(Duration.ofSeconds(10)).until(() -> journal.queueDepth() == 4);
      CompletableFuture<ApplyResult> beta = CompletableFuture.supplyAsync(
          () -> store.put(PolicyName.of("beta"), doc("{'b':1}"), "r", "alice"), callers);
      await().atMost(Duration.ofSeconds(10)).until(() -> journal.queueDepth() == 5);

      gate.release();

      assertThat(alpha.get(10, TimeUnit.SECONDS).applied()).isTrue();
      assertThat(beta.get(10, TimeUnit.SECONDS).applied()).isTrue();
      assertThat(throwing).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(IllegalStateException.class).withMessageContaining("boom after writing");
      assertThat(sqlError).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(UnableToExecuteStatementException.class);
      assertThat(missing).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(NotFoundException.class);
      assertThat(gate.held()).succeedsWithin(Duration.ofSeconds(10));
      // the gate's batch, then one batch holding all five commands
      assertThat(journal.batches()).isEqualTo(batchesBefore + 2);
      assertThat(journal.lastBatchSize()).isEqualTo(5);
    } finally {
      callers.shutdownNow();
    }

    List<JournalEntry> added = fx.entriesAfter(headBefore);
    assertThat(added).extracting(JournalEntry::seq).containsExactly(headBefore + 1, headBefore + 2);
    assertThat(added).extracting(JournalEntry::type).containsOnly("policy.applied");
    assertThat(added).extracting(JournalEntry::subject).containsExactly("alpha", "beta");
    assertThat(store.list()).extracting(PolicyView::name).containsExactly("alpha", "beta");
    assertThat(fx.queryLong("SELECT COUNT(*) FROM policies WHERE name LIKE 'ghost%'")).isZero();
    assertThat(fx.reader().verify().ok()).isTrue();
  }

  @Test
  void several_mutations_of_one_caller_are_journaled_in_the_order_they_happened() {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice");
    store.setGuards(LIMITS, new GuardConfig(10, null, 0), "alice");
    store.change(LIMITS, doc("{'limit':2}"), "too soon", "bob");
    fx.clock.advanceSeconds(10);
    store.change(LIMITS, doc("{'limit':2}"), "ok", "bob");
    store.freeze(LIMITS, "stop", "carol");
    store.unfreeze(LIMITS, "go", "carol");
    store.rollback(LIMITS, 1, null, "carol");

    assertThat(fx.entries()).extracting(JournalEntry::type).containsExactly(
        "policy.applied", "policy.guards_set", "policy.skipped", "policy.applied", "policy.frozen",
        "policy.unfrozen", "policy.applied");
    assertThat(fx.entries()).extracting(JournalEntry::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
  }

  // ---------------------------------------------------------------- helpers

  private record Mutation<T>(T result, List<JournalEntry> added) {}

  /** Runs a mutation and returns what it returned with the journal entries it added. */
  private <T> Mutation<T> journaled(Supplier<T> action) {
    long before = fx.headSeq();
    T result = action.get();
    return new Mutation<>(result, fx.entriesAfter(before));
  }

  private static JournalEntry single(List<JournalEntry> added, String type) {
    assertThat(added).as("entries written by one mutation").hasSize(1);
    assertThat(added.get(0).type()).isEqualTo(type);
    return added.get(0);
  }

  private void assertSkipped(ApplyResult r, SkipReason expected) {
    assertThat(r.applied()).isFalse();
    assertThat(r.bytesWritten()).isZero();
    assertThat(r.oldHash()).isEqualTo(r.stateHash());
    assertThat(r.skipReason()).isEqualTo(expected);
    assertThat(store.get(LIMITS).orElseThrow().version()).isEqualTo(r.version());
  }

  private String storedDocument(int version) {
    return fx.queryString("SELECT document FROM policy_versions WHERE policy = ? AND version = ?",
        LIMITS.value(), version);
  }

  private String storedHash(int version) {
    return fx.queryString("SELECT state_hash FROM policy_versions WHERE policy = ? AND version = ?",
        LIMITS.value(), version);
  }

  private record VersionRow(String policy, int version, String document, String stateHash, String kind, long seq) {}

  /**
   * Invariant 1: every policy_versions row has exactly its policy.applied entry (same seq, hash,
   * kind) and the reverse; every stored document re-hashes to its state hash; the chain verifies.
   */
  private void assertStateAndJournalAgree() {
    List<VersionRow> rows = fx.db().reads().withHandle(h -> h.createQuery(
            "SELECT policy, version, document, state_hash, kind, journal_seq FROM policy_versions ORDER BY journal_seq")
        .map((rs, ctx) -> new VersionRow(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
            rs.getString(5), rs.getLong(6)))
        .list());
    List<JournalEntry> applied = fx.entries().stream().filter(e -> e.type().equals("policy.applied")).toList();
    assertThat(rows).as("version rows vs policy.applied entries").hasSameSizeAs(applied);
    var problems = new ArrayList<String>();
    for (int i = 0; i < rows.size(); i++) {
      VersionRow row = rows.get(i);
      JournalEntry e = applied.get(i);
      if (row.seq() != e.seq() || !row.policy().equals(e.subject())
          || row.version() != e.payload().get("version").asInt()
          || !row.stateHash().equals(e.payload().get("stateHash").asText())
          || !row.kind().equals(e.payload().get("kind").asText())
          || !Sha.sha256(row.document()).equals(row.stateHash())) {
        problems.add(row + " vs " + e);
      }
    }
    assertThat(problems).isEmpty();
    var verdict = fx.reader().verify();
    assertThat(verdict.ok()).as("chain: %s", verdict.problem()).isTrue();
  }

  private static ObjectNode doc(String singleQuoted) {
    return (ObjectNode) Json.parse(singleQuoted.replace('\'', '"'), "test");
  }
}
