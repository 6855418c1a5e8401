package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OFREP over HTTP: answers agree with {@code /api/v1/evaluate} subject by subject, reasons STATIC
 * and SPLIT, every OFREP error code with its status and OFREP's error body (never a problem
 * document), bulk evaluation with its ETag, and authentication by bearer token or X-API-Key.
 */
class OfrepTest {
  private static final String LIMITS = "{\"max\":5,\"mode\":\"warn\",\"enforce\":false,\"ratio\":0.25,"
      + "\"nested\":{\"deep\":{\"on\":true}},\"list\":[\"a\",\"b\"],\"gone\":null}";
  private TestServer server;
  private String viewer;

  @BeforeEach
  void start() {
    server = TestServer.start();
    viewer = server.token("app", "viewer");
    put("limits", LIMITS);
    put("checkout", "{\"enabled\":false,\"theme\":\"light\"}");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  // --- values and reasons

  @Test
  void a_policy_outside_a_rollout_is_static_whole_or_by_nested_key_with_its_version_in_the_metadata() {
    JsonNode whole = ok(flag("limits", "{\"context\":{\"targetingKey\":\"u1\"}}"));
    assertThat(whole.path("key").asText()).isEqualTo("limits");
    assertThat(whole.path("value")).isEqualTo(Json.parse(LIMITS, "t"));
    assertThat(whole.path("reason").asText()).isEqualTo("STATIC");
    assertThat(whole.path("variant").asText()).isEqualTo("baseline");
    JsonNode policy = server.get("/api/v1/policies/limits", viewer).json();
    assertThat(whole.path("metadata")).isEqualTo(Json.object().put("policy", "limits").put("version", 1)
        .put("stateHash", policy.path("stateHash").asText()));

    assertThat(ok(flag("limits.max", "{}")).path("value").asInt()).isEqualTo(5);
    assertThat(ok(flag("limits.mode", "{}")).path("value").asText()).isEqualTo("warn");
    assertThat(ok(flag("limits.enforce", "{}")).path("value").isBoolean()).isTrue();
    assertThat(ok(flag("limits.ratio", "{}")).path("value").asDouble()).isEqualTo(0.25);
    assertThat(ok(flag("limits.nested", "{}")).path("value")).isEqualTo(Json.parse("{\"deep\":{\"on\":true}}", "t"));
    assertThat(ok(flag("limits.nested.deep.on", "{}")).path("value").asBoolean()).isTrue();
    assertThat(ok(flag("limits.list.1", "{}")).path("value").asText()).isEqualTo("b");
    // no context at all, or an empty body, is fine for a flag that does not split
    assertThat(ok(flag("limits.max", "")).path("reason").asText()).isEqualTo("STATIC");
  }

  @Test
  void under_rollout_every_subject_gets_what_api_v1_evaluate_gives_it_with_reason_split() {
    String id = rollout("checkout", "{\"enabled\":true,\"theme\":\"dark\"}", 50);
    var variants = new HashSet<String>();
    for (int i = 0; i < 120; i++) {
      String subject = "user-" + i;
      JsonNode api = server.get("/api/v1/evaluate/checkout?subject=" + subject, viewer).json();
      JsonNode whole = ok(flag("checkout", context(subject)));
      JsonNode enabled = ok(flag("checkout.enabled", context(subject)));

      assertThat(whole.path("value")).as(subject).isEqualTo(api.path("value"));
      assertThat(whole.path("variant").asText()).as(subject).isEqualTo(api.path("variant").asText());
      assertThat(enabled.path("value")).as(subject).isEqualTo(api.path("value").path("enabled"));
      assertThat(enabled.path("variant").asText()).isEqualTo(api.path("variant").asText());
      assertThat(whole.path("reason").asText()).isEqualTo("SPLIT");
      assertThat(whole.path("metadata").path("stateHash").asText()).isEqualTo(api.path("stateHash").asText());
      assertThat(whole.path("metadata").path("rolloutId").asText()).isEqualTo(id);
      assertThat(whole.path("metadata").path("percentage").asInt()).isEqualTo(50);
      assertThat(whole.path("metadata").has("version")).as("the candidate is no version yet")
          .isEqualTo(api.path("version").isNumber());
      variants.add(whole.path("variant").asText());
    }
    assertThat(variants).as("120 subjects at 50%% land on both sides").containsExactlyInAnyOrder("baseline", "candidate");
    // another policy is not under rollout: still static, even for the same subjects
    assertThat(ok(flag("limits.max", context("user-1"))).path("reason").asText()).isEqualTo("STATIC");
  }

  // --- errors, in OFREP's shape

  @Test
  void a_split_without_a_targeting_key_is_400_targeting_key_missing_and_a_blank_key_counts_as_missing() {
    rollout("checkout", "{\"enabled\":true,\"theme\":\"dark\"}", 50);

    for (String body : new String[] {"{}", "", "{\"context\":{}}", "{\"context\":null}",
        "{\"context\":{\"targetingKey\":\"  \",\"plan\":\"gold\"}}"}) {
      var r = post("/ofrep/v1/evaluate/flags/checkout.enabled", body);
      assertError(r, 400, "checkout.enabled", "TARGETING_KEY_MISSING");
      assertThat(r.json().path("errorDetails").asText()).as(body).contains("checkout-1").contains("targetingKey");
    }
  }

  @Test
  void unknown_policies_keys_that_cannot_name_a_policy_and_absent_or_null_fields_are_404_flag_not_found() {
    assertError(flag("nope", "{}"), 404, "nope", "FLAG_NOT_FOUND");
    assertThat(flag("nope", "{}").json().path("errorDetails").asText()).isEqualTo("policy 'nope' does not exist");
    assertError(flag("limits.missing", "{}"), 404, "limits.missing", "FLAG_NOT_FOUND");
    assertThat(flag("limits.missing", "{}").json().path("errorDetails").asText())
        .isEqualTo("the baseline document of policy 'limits' has no value at 'missing'");
    assertThat(flag("limits.gone", "{}").json().path("errorDetails").asText()).endsWith("(it is null)");
    assertError(flag("limits.gone", "{}"), 404, "limits.gone", "FLAG_NOT_FOUND");
    assertError(flag("limits.max.deeper", "{}"), 404, "limits.max.deeper", "FLAG_NOT_FOUND");
    assertError(flag("limits.list.7", "{}"), 404, "limits.list.7", "FLAG_NOT_FOUND");
    assertError(flag("limits..max", "{}"), 404, "limits..max", "FLAG_NOT_FOUND");
    assertError(flag("Limits", "{}"), 404, "Limits", "FLAG_NOT_FOUND");
    assertThat(flag("Limits", "{}").json().path("errorDetails").asText()).contains("does not start with a policy name");
    assertError(flag("x".repeat(600), "{}"), 404, "x".repeat(600), "FLAG_NOT_FOUND");
  }

  @Test
  void a_malformed_body_is_400_parse_error_and_a_malformed_context_is_400_invalid_context() {
    assertError(flag("limits", "{"), 400, "limits", "PARSE_ERROR");
    assertError(flag("limits", "[1]"), 400, "limits", "PARSE_ERROR");
    assertError(flag("limits", "{\"contxt\":{}}"), 400, "limits", "PARSE_ERROR");
    assertThat(flag("limits", "{\"contxt\":{}}").json().path("errorDetails").asText())
        .isEqualTo("unknown field 'contxt'; expected context");
    assertError(flag("limits", "{\"context\":[]}"), 400, "limits", "INVALID_CONTEXT");
    assertThat(flag("limits", "{\"context\":[]}").json().path("errorDetails").asText())
        .isEqualTo("'context' must be a JSON object, got an array");
    assertError(flag("limits", "{\"context\":{\"targetingKey\":7}}"), 400, "limits", "INVALID_CONTEXT");
    var tooLong = flag("limits", context("k".repeat(1025)));
    assertError(tooLong, 400, "limits", "INVALID_CONTEXT");
    assertThat(tooLong.json().path("errorDetails").asText()).contains("1025").contains("1024");
  }

  @Test
  void refusals_before_the_handler_are_ofrep_error_bodies_too_never_problem_documents() {
    var missing = send("/ofrep/v1/evaluate/flags/limits", null, null, "{}");
    assertError(missing, 401, "limits", "GENERAL");
    assertThat(missing.json().path("errorDetails").asText()).contains("X-API-Key");
    assertThat(missing.header("WWW-Authenticate")).isPresent();

    var tooLarge = post("/ofrep/v1/evaluate/flags/limits",
        "{\"context\":{\"pad\":\"" + "x".repeat((int) HttpApi.MAX_BODY_BYTES) + "\"}}");
    assertError(tooLarge, 413, "limits", "GENERAL");

    var wrongMethod = server.get("/ofrep/v1/evaluate/flags/limits", viewer);
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.contentType()).startsWith("application/json");
    assertThat(wrongMethod.json().path("errorCode").asText()).isEqualTo("GENERAL");

    var noRoute = post("/ofrep/v1/configuration", "{}");
    assertThat(noRoute.status()).isEqualTo(404);
    assertThat(noRoute.contentType()).startsWith("application/json");
    assertThat(noRoute.json().has("key")).isFalse();
    assertThat(noRoute.json().path("errorCode").asText()).isEqualTo("GENERAL");

    // the rest of the API keeps its problem documents
    assertThat(server.get("/api/v1/policies/nope", viewer).contentType()).startsWith(Problem.MEDIA_TYPE);
  }

  // --- authentication

  @Test
  void x_api_key_authenticates_ofrep_only_and_a_wrong_key_counts_towards_the_failed_authentication_limit() {
    assertThat(send("/ofrep/v1/evaluate/flags/limits.max", null, viewer, "{}").status()).isEqualTo(200);
    assertThat(send("/ofrep/v1/evaluate/flags", null, viewer, "{}").status()).isEqualTo(200);
    // Authorization wins when both are sent
    assertThat(send("/ofrep/v1/evaluate/flags/limits.max", "Bearer " + viewer, "rg_wrong", "{}").status())
        .isEqualTo(200);
    // elsewhere the header means nothing
    var elsewhere = server.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/policies"))
        .header("X-API-Key", viewer).GET().build());
    assertThat(elsewhere.status()).isEqualTo(401);
    assertThat(elsewhere.contentType()).startsWith(Problem.MEDIA_TYPE);

    var wrong = send("/ofrep/v1/evaluate/flags/limits.max", null, "rg_guess-0", "{}");
    assertError(wrong, 401, "limits.max", "GENERAL");
    assertThat(wrong.json().path("errorDetails").asText()).isEqualTo("unknown or revoked token");
    for (int i = 1; i < AuthLimits.DEFAULTS.maxFailures(); i++) {
      assertThat(send("/ofrep/v1/evaluate/flags/limits.max", null, "rg_guess-" + i, "{}").status()).isEqualTo(401);
    }
    var limited = send("/ofrep/v1/evaluate/flags/limits.max", null, viewer, "{}");
    assertError(limited, 429, "limits.max", "GENERAL");
    assertThat(limited.header("Retry-After")).isPresent();
    assertThat(server.get("/api/v1/policies", viewer).status()).as("the same limit for the whole API").isEqualTo(429);
  }

  @Test
  void a_draining_server_still_answers_ofrep_evaluations_which_only_read() {
    server.server().drain();

    assertThat(flag("limits.max", "{}").status()).isEqualTo(200);
    assertThat(server.send("POST", "/api/v1/policies/limits/changes", TestServer.ADMIN_TOKEN,
        "{\"delta\":{\"max\":2}}").status()).isEqualTo(503);
  }

  // --- bulk

  @Test
  void bulk_evaluates_every_policy_for_the_context_and_reports_a_split_without_key_per_flag() {
    rollout("checkout", "{\"enabled\":true,\"theme\":\"dark\"}", 50);

    var r = post("/ofrep/v1/evaluate/flags", context("user-3"));
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    JsonNode flags = r.json().path("flags");
    assertThat(flags).hasSize(2);
    assertThat(flags.get(0).path("key").asText()).isEqualTo("checkout");
    assertThat(flags.get(0).path("reason").asText()).isEqualTo("SPLIT");
    assertThat(flags.get(0).path("value"))
        .isEqualTo(server.get("/api/v1/evaluate/checkout?subject=user-3", viewer).json().path("value"));
    assertThat(flags.get(1).path("key").asText()).isEqualTo("limits");
    assertThat(flags.get(1).path("reason").asText()).isEqualTo("STATIC");

    JsonNode anonymous = post("/ofrep/v1/evaluate/flags", "{}").json().path("flags");
    assertThat(anonymous.get(0).path("errorCode").asText()).isEqualTo("TARGETING_KEY_MISSING");
    assertThat(anonymous.get(1).path("value")).isEqualTo(Json.parse(LIMITS, "t"));
  }

  @Test
  void bulk_refusals_are_ofrep_bulk_failures_without_a_key() {
    var r = post("/ofrep/v1/evaluate/flags", "{\"context\":\"u1\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("errorCode").asText()).isEqualTo("INVALID_CONTEXT");
    assertThat(r.json().has("key")).isFalse();
    assertThat(post("/ofrep/v1/evaluate/flags", "nope").json().path("errorCode").asText()).isEqualTo("PARSE_ERROR");
  }

  @Test
  void the_bulk_etag_revalidates_to_304_until_anything_this_context_gets_changes() {
    var first = post("/ofrep/v1/evaluate/flags", context("user-3"));
    String etag = first.header("ETag").orElseThrow();
    assertThat(etag).matches("\"[0-9a-f]{32}\"");

    var same = revalidate(context("user-3"), etag);
    assertThat(same.status()).isEqualTo(304);
    assertThat(same.body()).isEmpty();
    assertThat(same.header("ETag")).contains(etag);
    assertThat(revalidate(context("user-3"), "\"other\", W/" + etag).status()).as("weak, in a list").isEqualTo(304);
    assertThat(revalidate(context("user-3"), "*").status()).isEqualTo(304);
    assertThat(revalidate(context("user-3"), "\"other\"").status()).isEqualTo(200);

    // a rollout: the subjects it moves to the candidate get a new representation, and so a new tag
    rollout("checkout", "{\"enabled\":true,\"theme\":\"dark\"}", 50);
    Set<String> tags = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      var r = revalidate(context("user-" + i), etag);
      assertThat(r.status()).as("user-%s: the percentage in the metadata changed for everyone", i).isEqualTo(200);
      tags.add(r.header("ETag").orElseThrow());
    }
    assertThat(tags).as("baseline and candidate subjects get different representations").hasSize(2);

    // a change to another policy changes every context's answer
    String before = post("/ofrep/v1/evaluate/flags", context("user-3")).header("ETag").orElseThrow();
    assertThat(revalidate(context("user-3"), before).status()).isEqualTo(304);
    assertThat(server.send("POST", "/api/v1/policies/limits/changes", TestServer.ADMIN_TOKEN,
        "{\"delta\":{\"max\":6}}").status()).isEqualTo(200);
    var changed = revalidate(context("user-3"), before);
    assertThat(changed.status()).isEqualTo(200);
    assertThat(changed.header("ETag").orElseThrow()).isNotEqualTo(before);
  }

  // --- helpers

  private void put(String name, String document) {
    var r = server.send("PUT", "/api/v1/policies/" + name, TestServer.ADMIN_TOKEN, "{\"document\":" + document + "}");
    assertThat(r.status()).as("%s", r).isIn(200, 201);
  }

  /** Starts a rollout of {@code policy} to {@code candidate} at {@code percentage} (then 100% on approval); returns its id. */
  private String rollout(String policy, String candidate, int percentage) {
    var r = server.send("POST", "/api/v1/rollouts", TestServer.ADMIN_TOKEN, "{\"policy\":\"" + policy
        + "\",\"document\":" + candidate + ",\"stages\":[{\"name\":\"part\",\"percentage\":" + percentage
        + ",\"minDurationSeconds\":3600,\"maxErrorRate\":0.01},{\"name\":\"full\",\"percentage\":100,"
        + "\"maxErrorRate\":0.01,\"requiresApproval\":true}],\"reason\":\"ofrep test\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return r.json().path("id").asText();
  }

  private static String context(String subject) {
    return Json.write(Json.object().set("context", Json.object().put("targetingKey", subject)));
  }

  private TestServer.Response flag(String key, String body) {
    return post("/ofrep/v1/evaluate/flags/" + URLEncoder.encode(key, StandardCharsets.UTF_8), body);
  }

  private TestServer.Response post(String path, String body) {
    return send(path, "Bearer " + viewer, null, body);
  }

  private TestServer.Response revalidate(String body, String ifNoneMatch) {
    var req = request("/ofrep/v1/evaluate/flags", "Bearer " + viewer, null, body).header("If-None-Match", ifNoneMatch);
    return server.send(req.build());
  }

  private TestServer.Response send(String path, String authorization, String apiKey, String body) {
    return server.send(request(path, authorization, apiKey, body).build());
  }

  private HttpRequest.Builder request(String path, String authorization, String apiKey, String body) {
    var req = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (authorization != null) {
      req.header("Authorization", authorization);
    }
    if (apiKey != null) {
      req.header("X-API-Key", apiKey);
    }
    return req;
  }

  private static JsonNode ok(TestServer.Response r) {
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    return r.json();
  }

  private static void assertError(TestServer.Response r, int status, String key, String code) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.contentType()).as("%s", r).startsWith("application/json");
    assertThat(r.json().path("key").asText()).as("%s", r).isEqualTo(key);
    assertThat(r.json().path("errorCode").asText()).as("%s", r).isEqualTo(code);
    assertThat(r.json().path("errorDetails").asText()).as("%s", r).isNotBlank();
  }
}
