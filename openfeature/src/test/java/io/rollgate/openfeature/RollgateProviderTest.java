package io.rollgate.openfeature;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.NoOpProvider;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.ProviderState;
import dev.openfeature.sdk.Reason;
import dev.openfeature.sdk.Value;
import io.rollgate.client.RollgateClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider through the real OpenFeature API, on a client that serves a bootstrap file. */
class RollgateProviderTest {
  static final String HASH = "a".repeat(64);
  final OpenFeatureAPI api = OpenFeatureAPI.getInstance();
  final String domain = "rollgate-test-" + UUID.randomUUID();
  @TempDir
  Path dir;

  /** limits (no rollout); rollout-policy under rollout 'rollout-1' at 40%: user-2 (bucket 3689) gets the candidate, user-1 (4746) not. */
  Client openFeature() throws IOException {
    Path file = dir.resolve("bootstrap.json");
    Files.writeString(file, """
        {"seq": 9, "policies": {
          "limits": {"version": 3, "stateHash": "%s", "rollout": null,
            "document": {"max": 10, "mode": "strict", "ratio": 0.25, "big": 9000000000, "gone": null,
                         "nested": {"on": true, "list": [1, "two"]}}},
          "rollout-policy": {"version": 2, "stateHash": "%s", "document": {"enforce": false},
            "rollout": {"id": "rollout-1", "basisPoints": 4000, "phase": "PROGRESSING", "baselineVersion": 2,
              "candidate": {"enforce": true}, "candidateHash": "%s"}}}}
        """.formatted(HASH, HASH, "c".repeat(64)));
    api.setProviderAndWait(domain, new RollgateProvider(RollgateClient.builder().bootstrapFile(file).build()));
    return api.getClient(domain);
  }

  @AfterEach
  void release() {
    api.setProviderAndWait(domain, new NoOpProvider()); // shuts ours down
  }

  @Test
  void a_policy_under_rollout_resolves_by_the_targeting_keys_bucket_with_reason_split() throws IOException {
    Client of = openFeature();

    var candidate = of.getBooleanDetails("rollout-policy.enforce", false, new ImmutableContext("user-2"));
    var baseline = of.getBooleanDetails("rollout-policy.enforce", true, new ImmutableContext("user-1"));

    assertThat(candidate.getValue()).isTrue();
    assertThat(candidate.getReason()).isEqualTo(Reason.SPLIT.name());
    assertThat(candidate.getVariant()).isEqualTo("candidate");
    assertThat(candidate.getFlagMetadata().getString("rolloutId")).isEqualTo("rollout-1");
    assertThat(candidate.getFlagMetadata().getInteger("version")).as("a candidate has no version").isNull();
    assertThat(baseline.getValue()).isFalse();
    assertThat(baseline.getVariant()).isEqualTo("baseline");
    assertThat(baseline.getFlagMetadata().getInteger("version")).isEqualTo(2);
    assertThat(of.getProviderState()).isEqualTo(ProviderState.READY);
  }

  @Test
  void typed_values_of_a_static_policy_with_reason_static() throws IOException {
    Client of = openFeature();
    var ctx = new ImmutableContext("anyone");

    var max = of.getIntegerDetails("limits.max", 0, ctx);
    assertThat(max.getValue()).isEqualTo(10);
    assertThat(max.getReason()).isEqualTo(Reason.STATIC.name());
    assertThat(max.getVariant()).isEqualTo("baseline");
    assertThat(max.getFlagMetadata().getInteger("version")).isEqualTo(3);
    assertThat(max.getFlagMetadata().getString("stateHash")).isEqualTo(HASH);
    assertThat(of.getStringValue("limits.mode", "x", ctx)).isEqualTo("strict");
    assertThat(of.getDoubleValue("limits.ratio", 0.0, ctx)).isEqualTo(0.25);
    assertThat(of.getDoubleValue("limits.max", 0.0, ctx)).isEqualTo(10.0);
    assertThat(of.getBooleanValue("limits.nested.on", false, ctx)).isTrue();
    assertThat(of.getStringValue("limits.nested.list.1", "x", ctx)).isEqualTo("two");
    Value whole = of.getObjectValue("limits", new Value(), ctx);
    assertThat(whole.asStructure().getValue("max").asInteger()).isEqualTo(10);
    assertThat(whole.asStructure().getValue("nested").asStructure().getValue("list").asList())
        .containsExactly(new Value(1), new Value("two"));
    assertThat(of.getStringValue("limits.mode", "x")).as("no targeting key is fine outside a rollout")
        .isEqualTo("strict");
  }

  @Test
  void errors_give_the_default_with_the_ofrep_error_codes() throws IOException {
    Client of = openFeature();
    var ctx = new ImmutableContext("anyone");

    var noKey = of.getBooleanDetails("rollout-policy.enforce", true, new ImmutableContext());
    assertThat(noKey.getValue()).isTrue();
    assertThat(noKey.getErrorCode()).isEqualTo(ErrorCode.TARGETING_KEY_MISSING);
    assertThat(noKey.getReason()).isEqualTo(Reason.ERROR.name());
    assertThat(noKey.getErrorMessage()).contains("rollout-1", "targeting key");

    var unknown = of.getIntegerDetails("nope.max", 7, ctx);
    assertThat(unknown.getValue()).isEqualTo(7);
    assertThat(unknown.getErrorCode()).isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    var missing = of.getIntegerDetails("limits.missing", 7, ctx);
    assertThat(missing.getErrorCode()).isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    var nullValue = of.getIntegerDetails("limits.gone", 7, ctx);
    assertThat(nullValue.getErrorCode()).as("null reads as absent").isEqualTo(ErrorCode.FLAG_NOT_FOUND);
    var wrongType = of.getIntegerDetails("limits.mode", 7, ctx);
    assertThat(wrongType.getValue()).isEqualTo(7);
    assertThat(wrongType.getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
    assertThat(wrongType.getErrorMessage()).contains("'limits.mode' is string, not an integer");
    assertThat(of.getIntegerDetails("limits.big", 7, ctx).getErrorCode()).as("too big for an int")
        .isEqualTo(ErrorCode.TYPE_MISMATCH);
    assertThat(of.getBooleanDetails("limits", false, ctx).getErrorCode()).isEqualTo(ErrorCode.TYPE_MISMATCH);
  }

  @Test
  void a_client_with_nothing_to_serve_fails_initialization() throws IOException {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "not json");

    var provider = new RollgateProvider(RollgateClient.builder().bootstrapFile(file).build());

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> api.setProviderAndWait(domain, provider))
        .isInstanceOf(dev.openfeature.sdk.exceptions.ProviderNotReadyError.class)
        .hasMessageContaining("no snapshot yet").hasMessageContaining("broken.json ignored");
    Client of = api.getClient(domain);
    assertThat(of.getProviderState()).isEqualTo(ProviderState.ERROR);
    assertThat(of.getBooleanDetails("limits.on", true, new ImmutableContext("u")).getValue()).isTrue();
  }
}
