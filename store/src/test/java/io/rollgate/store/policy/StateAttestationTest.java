package io.rollgate.store.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.StoreFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The attestor's state check: every current version re-hashes to what its row and the journal say. */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class StateAttestationTest {
  @Parameter
  Dialect dialect;

  private StoreFixture fx;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    fx.policies().put(PolicyName.of("alpha"), Json.object().put("max", 1), "seed", "alice");
    fx.policies().change(PolicyName.of("alpha"), Json.object().put("max", 2), "raise", "alice");
    fx.policies().put(PolicyName.of("beta"), Json.object().put("on", true), "seed", "alice");
  }

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void untouched_state_attests_every_policy() {
    var a = fx.policies().attestCurrentVersions();
    assertThat(a.ok()).isTrue();
    assertThat(a.policies()).isEqualTo(2);
  }

  @Test
  void a_document_changed_behind_the_journal_is_named() {
    fx.sql("UPDATE policy_versions SET document = '{\"max\":99}' WHERE policy = 'alpha' AND version = 2");

    var a = fx.policies().attestCurrentVersions();

    assertThat(a.ok()).isFalse();
    assertThat(a.problems()).singleElement().asString()
        .startsWith("policy 'alpha' version 2 re-hashes to ").contains("but its stored state hash is");
  }

  @Test
  void a_document_rewritten_with_a_matching_hash_still_disagrees_with_the_journal() {
    String forged = "{\"max\":99}";
    fx.sql("UPDATE policy_versions SET document = '" + forged + "', state_hash = '" + Canonical.sha256Hex(forged)
        + "' WHERE policy = 'alpha' AND version = 2");

    var a = fx.policies().attestCurrentVersions();

    assertThat(a.problems()).singleElement().asString()
        .startsWith("policy 'alpha' version 2 hashes to ").contains("but the journal recorded");
  }

  @Test
  void a_non_canonical_document_with_its_own_hash_is_named() {
    String spaced = "{ \"on\": true }";
    fx.sql("UPDATE policy_versions SET document = '" + spaced + "', state_hash = '" + Canonical.sha256Hex(spaced)
        + "' WHERE policy = 'beta'");

    assertThat(fx.policies().attestCurrentVersions().problems()).containsExactly(
        "policy 'beta' version 1 is not stored in canonical form");
  }

  @Test
  void a_current_version_that_points_nowhere_is_named() {
    fx.sql("UPDATE policies SET current_version = 7 WHERE name = 'beta'");

    assertThat(fx.policies().attestCurrentVersions().problems()).containsExactly("policy 'beta' version 7 is missing");
  }
}
