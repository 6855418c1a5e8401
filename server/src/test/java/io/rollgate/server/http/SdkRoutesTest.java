package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.MutableClock;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/sdk/snapshot}, {@code POST /api/v1/sdk/report} and the fleet they feed. */
class SdkRoutesTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start();
    put("limits", "{\"max\":1}");
    put("guardian-enforcement", "{\"enforce\":false}");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void put(String name, String document) {
    var r = server.send("PUT", "/api/v1/policies/" + name, ADMIN, "{\"document\":" + document + "}");
    assertThat(r.status()).as("%s", r).isIn(200, 201);
  }

  private TestServer.Response snapshot(String query, String ifNoneMatch) {
    var req = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/sdk/snapshot" + query))
        .header("Authorization", "Bearer " + ADMIN).GET();
    if (ifNoneMatch != null) {
      req.header("If-None-Match", ifNoneMatch);
    }
    return server.send(req.build());
  }

  @Test
  void the_snapshot_has_the_journal_head_the_policies_and_their_active_rollouts() {
    var created = server.send("POST", "/api/v1/rollouts", ADMIN, "{\"policy\":\"guardian-enforcement\","
        + "\"delta\":{\"enforce\":true},\"stages\":[{\"name\":\"quarter\",\"percentage\":25,\"maxErrorRate\":0.01},"
        + "{\"name\":\"full\",\"percentage\":100,\"maxErrorRate\":0.01}]}");
    assertThat(created.status()).as("%s", created).isEqualTo(201);

    var r = snapshot("", null);

    assertThat(r.status()).as("%s", r).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("seq").asLong()).isEqualTo(server.journalHead());
    assertThat(body.path("policies").properties()).extracting(Map.Entry::getKey)
        .containsExactly("guardian-enforcement", "limits");
    JsonNode limits = body.path("policies").path("limits");
    assertThat(limits.path("version").asInt()).isEqualTo(1);
    assertThat(limits.path("stateHash").asText()).hasSize(64);
    assertThat(limits.path("document")).isEqualTo(Json.parse("{\"max\":1}", "x"));
    assertThat(limits.path("rollout").isNull()).isTrue();
    JsonNode rollout = body.path("policies").path("guardian-enforcement").path("rollout");
    assertThat(rollout.path("id").asText()).isEqualTo("guardian-enforcement-1");
    assertThat(rollout.path("salt").asText()).isEqualTo("guardian-enforcement-1");
    assertThat(rollout.path("basisPoints").asInt()).isEqualTo(2500);
    assertThat(rollout.path("phase").asText()).isEqualTo("PROGRESSING");
    assertThat(rollout.path("baselineVersion").asInt()).isEqualTo(1);
    assertThat(rollout.path("candidate")).isEqualTo(Json.parse("{\"enforce\":true}", "x"));
    assertThat(rollout.path("candidateHash").asText()).isEqualTo(created.json().path("candidateHash").asText());
    assertThat(r.header("ETag")).hasValueSatisfying(t -> assertThat(t).matches("\"[0-9a-f]{32}\""));
  }

  @Test
  void policy_parameters_select_and_an_unknown_name_is_a_404_naming_policy() {
    var one = snapshot("?policy=limits", null);
    var missing = snapshot("?policy=limits&policy=nope&policy=gone", null);
    var bad = snapshot("?policy=Bad.Name", null);

    assertThat(one.json().path("policies").properties()).extracting(Map.Entry::getKey).containsExactly("limits");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).startsWith("application/problem+json");
    assertThat(missing.json().path("field").asText()).isEqualTo("policy");
    assertThat(missing.json().path("detail").asText()).isEqualTo("policies 'gone', 'nope' do not exist");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().path("field").asText()).isEqualTo("policy");
    assertThat(bad.json().path("detail").asText()).contains("'Bad.Name'");
    StringBuilder many = new StringBuilder("?policy=p0");
    for (int i = 1; i <= SdkRoutes.MAX_POLICIES; i++) {
      many.append("&policy=p").append(i);
    }
    var tooMany = snapshot(many.toString(), null);
    assertThat(tooMany.status()).isEqualTo(400);
    assertThat(tooMany.json().path("detail").asText()).contains("names 101 policies; at most 100");
  }

  @Test
  void the_etag_answers_304_until_the_policies_change_whatever_else_the_journal_records() {
    String etag = snapshot("?policy=limits", null).header("ETag").orElseThrow();

    assertThat(snapshot("?policy=limits", etag).status()).isEqualTo(304);
    assertThat(snapshot("?policy=limits", "\"other\", W/" + etag).status()).isEqualTo(304);
    assertThat(snapshot("?policy=limits", "*").status()).isEqualTo(304);
    server.token("someone", "viewer"); // a journal entry that changes nothing an SDK evaluates
    assertThat(snapshot("?policy=limits", etag).status()).isEqualTo(304);
    put("guardian-enforcement", "{\"enforce\":true}"); // another policy
    assertThat(snapshot("?policy=limits", etag).status()).isEqualTo(304);

    put("limits", "{\"max\":2}");
    var changed = snapshot("?policy=limits", etag);
    assertThat(changed.status()).isEqualTo(200);
    assertThat(changed.header("ETag")).isPresent().get().isNotEqualTo(etag);
    assertThat(changed.json().path("policies").path("limits").path("version").asInt()).isEqualTo(2);
  }

  @Test
  void head_and_policies_are_one_read_so_a_change_committed_in_between_is_not_half_seen() throws Exception {
    var routes = new SdkRoutes(server.server().database(), server.server().journalReader(),
        server.server().policies(), server.server().rolloutStore(), new Fleet(server.clock(), Fleet.TTL, 10), 1024);
    long headBefore = server.journalHead();
    routes.afterHead = () -> {
      // committed by another thread while the snapshot's transaction is open
      CompletableFuture.runAsync(() -> put("limits", "{\"max\":99}")).orTimeout(30, TimeUnit.SECONDS).join();
    };

    SdkRoutes.Snapshot s = routes.read(List.of(PolicyName.of("limits")));

    assertThat(server.journalHead()).as("the change did commit").isGreaterThan(headBefore);
    assertThat(s.body().path("seq").asLong()).isEqualTo(headBefore);
    assertThat(s.body().path("policies").path("limits").path("document").path("max").asInt())
        .as("the policies as of seq, not the change after it").isEqualTo(1);
  }

  @Test
  void reports_feed_the_fleet_on_the_policy_and_in_metrics() {
    String hash1 = server.get("/api/v1/policies/limits", ADMIN).json().path("stateHash").asText();
    String operator = server.token("sdk", "operator");
    report(operator, "a", Map.of("limits", hash1));
    report(operator, "b", Map.of("limits", hash1));

    JsonNode fleet = server.get("/api/v1/policies/limits", ADMIN).json().path("fleet");
    assertThat(fleet.path("clients").asInt()).isEqualTo(2);
    assertThat(fleet.path("stateHashes").path(hash1).asInt()).isEqualTo(2);
    assertThat(fleet.path("converged").asBoolean()).isTrue();

    put("limits", "{\"max\":2}");
    String hash2 = server.get("/api/v1/policies/limits", ADMIN).json().path("stateHash").asText();
    report(operator, "a", Map.of("limits", hash2));
    fleet = server.get("/api/v1/policies/limits", ADMIN).json().path("fleet");
    assertThat(fleet.path("converged").asBoolean()).as("b still serves version 1").isFalse();
    assertThat(fleet.path("stateHashes").size()).isEqualTo(2);
    String metrics = server.get("/metrics", null).body();
    assertThat(metrics).contains("rollgate_sdk_clients{policy=\"limits\",state_hash=\"" + hash1 + "\"} 1.0")
        .contains("rollgate_sdk_clients{policy=\"limits\",state_hash=\"" + hash2 + "\"} 1.0");

    // b stops reporting: after the TTL only a is left, and b's series is gone
    server.clock().advance(Fleet.TTL.minusSeconds(1));
    report(operator, "a", Map.of("limits", hash2));
    server.clock().advance(Duration.ofSeconds(2));
    fleet = server.get("/api/v1/policies/limits", ADMIN).json().path("fleet");
    assertThat(fleet.path("clients").asInt()).isEqualTo(1);
    assertThat(fleet.path("converged").asBoolean()).isTrue();
    assertThat(server.get("/metrics", null).body()).doesNotContain("state_hash=\"" + hash1 + "\"");
    assertThat(server.get("/api/v1/policies/guardian-enforcement", ADMIN).json().path("fleet").toString())
        .isEqualTo("{\"clients\":0,\"stateHashes\":{},\"converged\":false}");
  }

  private void report(String token, String client, Map<String, String> policies) {
    var r = server.send("POST", "/api/v1/sdk/report", token, Json.write(Map.of("client", client, "policies", policies)));
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.json().path("recorded").asInt()).isEqualTo(policies.size());
  }

  @Test
  void bad_reports_are_400s_naming_the_field_and_viewers_may_not_report() {
    String hash = "a".repeat(64);
    assertField("{\"policies\":{}}", "client");
    assertField("{\"client\":\" \",\"policies\":{}}", "client");
    assertField("{\"client\":\"" + "x".repeat(201) + "\",\"policies\":{}}", "client");
    assertField("{\"client\":\"a\"}", "policies");
    assertField("{\"client\":\"a\",\"policies\":[]}", "policies");
    assertField("{\"client\":\"a\",\"policies\":{\"Bad\":\"" + hash + "\"}}", "/policies/Bad");
    assertField("{\"client\":\"a\",\"policies\":{\"limits\":\"short\"}}", "/policies/limits");
    assertField("{\"client\":\"a\",\"policies\":{\"limits\":7}}", "/policies/limits");
    assertField("{\"client\":\"a\",\"policies\":{},\"extra\":1}", "extra");
    String viewer = server.token("v", "viewer");
    assertThat(server.send("POST", "/api/v1/sdk/report", viewer, "{\"client\":\"a\",\"policies\":{}}").status())
        .isEqualTo(403);
  }

  private void assertField(String body, String field) {
    var r = server.send("POST", "/api/v1/sdk/report", ADMIN, body);
    assertThat(r.status()).as("%s -> %s", body, r).isEqualTo(400);
    assertThat(r.json().path("field").asText()).as(body).isEqualTo(field);
  }

  @Test
  void the_fleet_keeps_at_most_its_cap_evicting_the_client_that_reported_longest_ago() {
    var clock = MutableClock.at("2025-01-01T00:00:00Z");
    var fleet = new Fleet(clock, Duration.ofMinutes(2), 3);
    for (String c : List.of("a", "b", "c")) {
      fleet.report(c, Map.of("p", "h1"));
      clock.advanceSeconds(1);
    }
    fleet.report("a", Map.of("p", "h2")); // a reports again: b is now the oldest
    fleet.report("d", Map.of("p", "h2"));

    assertThat(fleet.counts()).isEqualTo(Map.of("p", Map.of("h1", 1, "h2", 2)));
    assertThat(fleet.of("p", "h2").path("clients").asInt()).isEqualTo(3);
  }
}
