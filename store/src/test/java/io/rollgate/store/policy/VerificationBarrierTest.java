package io.rollgate.store.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.error.IntegrityException;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.Sha;
import io.rollgate.store.testing.StoreFixture;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The verification barrier against a store that does not keep what it was given: a real trigger
 * rewrites each new version right after its insert, inside the same commit.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class VerificationBarrierTest {
  private static final PolicyName LIMITS = PolicyName.of("resource-limits");
  private static final String FORGED = "{\"tampered\":true}";

  /** What the trigger does to the row it was fired for. */
  enum Corruption {
    /** Rewrites the document only: the stored text no longer hashes to the stored state hash. */
    DOCUMENT("document = '" + FORGED + "'"),
    /** Rewrites document and state hash consistently: only comparing with the committed hash catches it. */
    DOCUMENT_AND_HASH("document = '" + FORGED + "', state_hash = '" + Sha.sha256(FORGED) + "'");

    final String set;

    Corruption(String set) {
      this.set = set;
    }
  }

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
  void close() {
    fx.close();
  }

  @ParameterizedTest
  @EnumSource(Corruption.class)
  void a_version_corrupted_after_insert_fails_the_change_with_integrity_exception_and_is_journaled(Corruption c) {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice");
    // control: the barrier passes on an honest store
    assertThat(store.change(LIMITS, doc("{'limit':2}"), "honest", "alice").applied()).isTrue();
    installCorruptingTrigger(c);
    long before = fx.headSeq();

    assertThatThrownBy(() -> store.change(LIMITS, doc("{'limit':3}"), "tune", "bob"))
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith("verification failed for policy 'resource-limits': version 3 re-hashes to "
            + Sha.sha256(FORGED).substring(0, 12));

    List<JournalEntry> added = fx.entriesAfter(before);
    assertThat(added).extracting(JournalEntry::type).containsExactly("policy.applied", "policy.verification_failed");
    JournalEntry applied = added.get(0);
    JournalEntry failed = added.get(1);
    String committedHash = Sha.sha256("{\"limit\":3}");
    assertThat(applied.payload().get("stateHash").asText()).isEqualTo(committedHash);
    assertThat(failed.subject()).isEqualTo("resource-limits");
    assertThat(failed.actor()).isEqualTo("system");
    assertThat(failed.payload().get("version").asInt()).isEqualTo(3);
    assertThat(failed.payload().get("expectedHash").asText()).isEqualTo(committedHash);
    assertThat(failed.payload().get("problem").asText()).contains("version 3 re-hashes to");
    // the journal itself is intact: it recorded the commit and the failed verification
    assertThat(fx.reader().verify().ok()).isTrue();
  }

  @Test
  void the_barrier_also_guards_replacements_and_rollbacks() {
    store.put(LIMITS, doc("{'limit':1}"), "init", "alice");
    store.change(LIMITS, doc("{'limit':2}"), "raise", "alice");
    installCorruptingTrigger(Corruption.DOCUMENT);

    assertThatThrownBy(() -> store.put(LIMITS, doc("{'limit':5}"), "replace", "bob"))
        .isInstanceOf(IntegrityException.class);
    assertThatThrownBy(() -> store.rollback(LIMITS, 1, "back", "bob"))
        .isInstanceOf(IntegrityException.class);

    assertThat(fx.entries()).extracting(JournalEntry::type).containsExactly(
        "policy.applied", "policy.applied",
        "policy.applied", "policy.verification_failed",
        "policy.applied", "policy.verification_failed");
    // a skipped change commits no version, so there is nothing to verify and nothing to report
    store.freeze(LIMITS, "investigating", "bob");
    long before = fx.headSeq();
    assertThat(store.change(LIMITS, doc("{'limit':7}"), "while frozen", "bob").applied()).isFalse();
    assertThat(fx.entriesAfter(before)).extracting(JournalEntry::type).containsExactly("policy.skipped");
  }

  private void installCorruptingTrigger(Corruption c) {
    switch (dialect) {
      case SQLITE -> fx.sql("""
          CREATE TRIGGER corrupt_new_version AFTER INSERT ON policy_versions
          BEGIN
            UPDATE policy_versions SET %s WHERE policy = NEW.policy AND version = NEW.version;
          END""".formatted(c.set));
      case POSTGRESQL -> fx.sql("""
          CREATE FUNCTION corrupt_new_version() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            UPDATE policy_versions SET %s WHERE policy = NEW.policy AND version = NEW.version;
            RETURN NULL;
          END $$""".formatted(c.set), """
          CREATE TRIGGER corrupt_new_version AFTER INSERT ON policy_versions
          FOR EACH ROW EXECUTE FUNCTION corrupt_new_version()""");
    }
  }

  private static ObjectNode doc(String singleQuoted) {
    return (ObjectNode) Json.parse(singleQuoted.replace('\'', '"'), "test");
  }
}
