package io.rollgate.server.gate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Canonical;
import io.rollgate.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Origin document 002's six tests (tests/soak/test_reliability_pipeline.py), translated to Rollgate's
 * HTTP API. The sixth, test_soak_gate_with_delta_verify, is
 * {@code GateCliTest.a_mock_mini_soak_on_the_given_server_passes_the_strict_gate_and_exports_its_figures}:
 * it needs the CLI.
 */
class ReliabilityPipelineTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final AtomicInteger N = new AtomicInteger();
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String policy(String document) {
    String name = "rel-" + N.incrementAndGet();
    assertThat(server.send("PUT", "/api/v1/policies/" + name, ADMIN, "{\"document\":" + document + "}").status())
        .isEqualTo(201);
    return name;
  }

  private static JsonNode change(String policy, String delta) {
    var r = server.send("POST", "/api/v1/policies/" + policy + "/changes", ADMIN, "{\"delta\":" + delta
        + ",\"session\":\"rel\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.json();
  }

  @Test
  void test_state_hash_changes_on_apply() {
    String p = policy("{\"base_spread_bps\":0.2}");
    String before = server.get("/api/v1/policies/" + p, ADMIN).json().path("stateHash").asText();
    JsonNode changed = change(p, "{\"base_spread_bps\":0.25}");
    assertThat(changed.path("applied").asBoolean()).isTrue();
    assertThat(changed.path("oldHash").asText()).isEqualTo(before);
    assertThat(changed.path("stateHash").asText()).isNotEqualTo(before)
        .isEqualTo(Canonical.sha256Hex("{\"base_spread_bps\":0.25}"));
    JsonNode same = change(p, "{\"base_spread_bps\":0.25}");
    assertThat(same.path("stateHash").asText()).as("identical values, identical hash")
        .isEqualTo(changed.path("stateHash").asText());
  }

  @Test
  void test_skip_reason_present_on_guard_block() {
    String cooled = policy("{\"x\":1}");
    server.send("PUT", "/api/v1/policies/" + cooled + "/guards", ADMIN, "{\"cooldownSeconds\":60}");
    JsonNode c = change(cooled, "{\"x\":2}");
    assertThat(c.path("applied").asBoolean()).isFalse();
    assertThat(c.path("skipReason").path("cooldown").asBoolean()).isTrue();
    assertThat(c.path("skipReason").path("note").asText()).startsWith("cooldown: version 1 was applied");

    String fast = policy("{\"x\":1}");
    server.send("PUT", "/api/v1/policies/" + fast + "/guards", ADMIN,
        "{\"velocity\":{\"maxChanges\":1,\"windowSeconds\":3600}}");
    JsonNode v = change(fast, "{\"x\":2}");
    assertThat(v.path("skipReason").path("velocity").asBoolean()).isTrue();
    assertThat(v.path("skipReason").path("note").asText()).startsWith("velocity: 1 changes applied");

    String osc = policy("{\"x\":1}");
    server.send("PUT", "/api/v1/policies/" + osc + "/guards", ADMIN, "{\"oscillationWindowSeconds\":600}");
    change(osc, "{\"x\":2}");
    JsonNode o = change(osc, "{\"x\":1}");
    assertThat(o.path("skipReason").path("oscillation").asBoolean()).isTrue();
    assertThat(o.path("skipReason").path("note").asText()).startsWith("oscillation: /x would return to 1");

    String frozen = policy("{\"x\":1}");
    server.send("POST", "/api/v1/policies/" + frozen + "/freeze", ADMIN, "{\"reason\":\"incident 7\"}");
    JsonNode f = change(frozen, "{\"x\":2}");
    assertThat(f.path("skipReason").path("freeze").asBoolean()).isTrue();
    assertThat(f.path("skipReason").path("note").asText()).isEqualTo("policy '" + frozen + "' is frozen: incident 7");
  }

  @Test
  void test_no_op_detection() {
    String p = policy("{\"base_spread_bps\":0.25}");
    JsonNode r = change(p, "{\"base_spread_bps\":0.250}");
    assertThat(r.path("applied").asBoolean()).isFalse();
    assertThat(r.path("noOp").asBoolean()).isTrue();
    assertThat(r.path("skipReason").path("noOp").asBoolean()).isTrue();
    assertThat(r.path("skipReason").path("note").asText()).startsWith("no effective change");
  }

  @Test
  void test_apply_pipeline_atomic_write() {
    String p = policy("{\"a\":1}");
    JsonNode r = change(p, "{\"b\":{\"c\":2}}");
    String canonical = "{\"a\":1,\"b\":{\"c\":2}}";
    assertThat(r.path("changedKeys").toString()).isEqualTo("[\"/b/c\"]");
    assertThat(r.path("bytesWritten").asLong()).isEqualTo(canonical.getBytes(StandardCharsets.UTF_8).length);
    JsonNode stored = server.get("/api/v1/policies/" + p + "/versions/2", ADMIN).json();
    // the verification barrier's check, from outside: the stored document hashes to the returned hash
    assertThat(Canonical.sha256Hex(Canonical.canonicalize(stored.path("document")))).isEqualTo(r.path("stateHash")
        .asText());
    assertThat(stored.path("stateHash").asText()).isEqualTo(r.path("stateHash").asText());
  }

  @Test
  void test_delta_verifier_with_skip_reason() {
    String p = policy("{\"x\":0}");
    for (int i = 1; i <= 19; i++) {
      change(p, "{\"x\":" + i + "}");
    }
    server.send("POST", "/api/v1/policies/" + p + "/freeze", ADMIN, "{\"reason\":\"hold\"}");
    change(p, "{\"x\":20}"); // skipped with a reason: partial ok, not a failure
    JsonNode s = server.get("/api/v1/policies/" + p + "/apply-stats?session=rel", ADMIN).json();
    assertThat(s.path("applied").asInt()).isEqualTo(19);
    assertThat(s.path("partialOk").asInt()).isEqualTo(1);
    assertThat(s.path("failed").asInt()).isZero();
    assertThat(s.path("signatureStuck").asInt()).isZero();
    assertThat(s.path("fullApplyRatio").asDouble()).isEqualTo(0.95);
    JsonNode gate = server.send("POST", "/api/v1/gate", ADMIN, "{\"policy\":\"" + p + "\",\"session\":\"rel\","
        + "\"strict\":true}").json();
    assertThat(gate.path("verdict").asText()).isEqualTo("PASS");
    assertThat(gate.path("exitCode").asInt()).isZero();
  }
}
