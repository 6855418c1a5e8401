package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API end to end, in-process, against DESIGN.md §5 and docs/api.md: shapes, status
 * codes, guards on a clock the test moves, and the journal behind it all.
 */
class ApiFlowTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final List<String> APPLY_RESULT_FIELDS = List.of(
      "policy", "applied", "noOp", "version", "stateHash", "oldHash", "changedKeys", "bytesWritten", "skipReason");
  private static final List<String> SKIP_REASON_FIELDS = List.of(
      "freeze", "oscillation", "velocity", "cooldown", "noOp", "note");

  private TestServer server;

  @BeforeEach
  void start() {
    server = TestServer.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** SHA-256 of a canonical (RFC 8785) text written out by hand in the test. */
  static String sha256(String canonical) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private TestServer.Response put(String name, String document) {
    return server.send("PUT", "/api/v1/policies/" + name, ADMIN, "{\"document\":" + document + ",\"reason\":\"test put\"}");
  }

  private JsonNode change(String name, String delta) {
    var r = server.send("POST", "/api/v1/policies/" + name + "/changes", ADMIN,
        "{\"delta\":" + delta + ",\"reason\":\"test change\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    assertThat(fieldNames(r.json())).containsExactlyElementsOf(APPLY_RESULT_FIELDS);
    return r.json();
  }

  private JsonNode ok(TestServer.Response r) {
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.json();
  }

  static List<String> fieldNames(JsonNode n) {
    var out = new ArrayList<String>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  static void assertSkipped(JsonNode r, boolean freeze, boolean oscillation, boolean velocity, boolean cooldown,
      boolean noOp, String note) {
    assertThat(r.path("applied").asBoolean()).as("applied in %s", r).isFalse();
    assertThat(r.path("bytesWritten").asLong()).isZero();
    assertThat(r.path("stateHash").asText()).isEqualTo(r.path("oldHash").asText());
    JsonNode s = r.path("skipReason");
    assertThat(fieldNames(s)).containsExactlyElementsOf(SKIP_REASON_FIELDS);
    assertThat(List.of(s.path("freeze").asBoolean(), s.path("oscillation").asBoolean(), s.path("velocity").asBoolean(),
        s.path("cooldown").asBoolean(), s.path("noOp").asBoolean()))
        .as("freeze, oscillation, velocity, cooldown, noOp in %s", s)
        .containsExactly(freeze, oscillation, velocity, cooldown, noOp);
    assertThat(r.path("noOp").asBoolean()).isEqualTo(noOp);
    assertThat(s.path("note").asText()).isEqualTo(note);
  }

  @Test
  void creating_a_policy_answers_201_with_its_location_and_the_hash_of_its_canonical_form() {
    var r = put("limits", "{\"mode\": \"warn\", \"max\": 5.0, \"nested\": {\"b\": true, \"a\": [1, 2]}}");

    assertThat(r.status()).as("%s", r).isEqualTo(201);
    assertThat(r.header("Location")).hasValue("/api/v1/policies/limits");
    JsonNode body = r.json();
    assertThat(fieldNames(body)).containsExactlyElementsOf(APPLY_RESULT_FIELDS);
    String canonical = "{\"max\":5,\"mode\":\"warn\",\"nested\":{\"a\":[1,2],\"b\":true}}";
    assertThat(body.path("policy").asText()).isEqualTo("limits");
    assertThat(body.path("applied").asBoolean()).isTrue();
    assertThat(body.path("noOp").asBoolean()).isFalse();
    assertThat(body.path("version").asInt()).isEqualTo(1);
    assertThat(body.path("stateHash").asText()).isEqualTo(sha256(canonical));
    assertThat(body.path("oldHash").isNull()).isTrue();
    assertThat(texts(body.path("changedKeys"))).containsExactly("/max", "/mode", "/nested/a", "/nested/b");
    assertThat(body.path("bytesWritten").asLong()).isEqualTo(canonical.length());
    assertThat(body.path("skipReason").isNull()).isTrue();
  }

  @Test
  void a_document_keeps_any_unicode_text_and_its_hash_covers_the_utf_8_bytes() {
    var r = put("unicode", "{\"text\":\"café 中 \\ud83d\\ude00\"}");

    assertThat(r.status()).as("%s", r).isEqualTo(201);
    String canonical = "{\"text\":\"café 中 \ud83d\ude00\"}";
    assertThat(r.json().path("stateHash").asText()).isEqualTo(sha256(canonical));
    assertThat(r.json().path("bytesWritten").asLong()).isEqualTo(canonical.getBytes(StandardCharsets.UTF_8).length);
    assertThat(ok(server.get("/api/v1/policies/unicode", ADMIN)).path("document").path("text").asText())
        .isEqualTo("café 中 \ud83d\ude00");
  }

  @Test
  void putting_a_new_document_to_an_existing_policy_replaces_it_with_200_and_no_location() {
    put("limits", "{\"max\":5}");
    var r = put("limits", "{\"max\":6,\"extra\":\"x\"}");

    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.header("Location")).isEmpty();
    assertThat(r.json().path("version").asInt()).isEqualTo(2);
    assertThat(r.json().path("oldHash").asText()).isEqualTo(sha256("{\"max\":5}"));
    assertThat(r.json().path("stateHash").asText()).isEqualTo(sha256("{\"extra\":\"x\",\"max\":6}"));
    assertThat(texts(r.json().path("changedKeys"))).containsExactly("/extra", "/max");
    var v2 = ok(server.get("/api/v1/policies/limits/versions/2", ADMIN));
    assertThat(v2.path("kind").asText()).isEqualTo("replace");
  }

  @Test
  void a_change_is_applied_as_a_json_merge_patch_and_reports_the_changed_pointers() {
    put("limits", "{\"max\":5,\"mode\":\"warn\",\"keep\":1}");

    var r = change("limits", "{\"max\":7,\"mode\":null,\"nested\":{\"a/b\":1}}");

    String canonical = "{\"keep\":1,\"max\":7,\"nested\":{\"a/b\":1}}";
    assertThat(r.path("applied").asBoolean()).isTrue();
    assertThat(r.path("noOp").asBoolean()).isFalse();
    assertThat(r.path("version").asInt()).isEqualTo(2);
    assertThat(r.path("oldHash").asText()).isEqualTo(sha256("{\"keep\":1,\"max\":5,\"mode\":\"warn\"}"));
    assertThat(r.path("stateHash").asText()).isEqualTo(sha256(canonical));
    assertThat(texts(r.path("changedKeys"))).containsExactly("/max", "/mode", "/nested/a~1b");
    assertThat(r.path("bytesWritten").asLong()).isEqualTo(canonical.length());
    assertThat(r.path("skipReason").isNull()).isTrue();
    var policy = ok(server.get("/api/v1/policies/limits", ADMIN));
    assertThat(policy.path("document")).isEqualTo(Json.parse(canonical, "test"));
    assertThat(policy.path("version").asInt()).isEqualTo(2);
  }

  @Test
  void a_change_that_changes_nothing_is_skipped_as_a_no_op_and_journaled() {
    put("limits", "{\"max\":5}");
    long head = server.journalHead();

    var r = change("limits", "{\"max\":5.0}");

    String hash = sha256("{\"max\":5}");
    assertThat(r.path("version").asInt()).isEqualTo(1);
    assertThat(r.path("stateHash").asText()).isEqualTo(hash);
    assertThat(texts(r.path("changedKeys"))).isEmpty();
    assertSkipped(r, false, false, false, false, true,
        "no effective change: the candidate's state hash equals version 1 (" + hash.substring(0, 12) + "…)");
    var entry = ok(server.get("/api/v1/audit?afterSeq=" + head, ADMIN)).path("entries").get(0);
    assertThat(entry.path("type").asText()).isEqualTo("policy.skipped");
    assertThat(entry.path("subject").asText()).isEqualTo("limits");
    assertThat(entry.path("payload").path("skipReason").path("noOp").asBoolean()).isTrue();
  }

  @Test
  void guards_are_set_by_put_and_answered_with_the_policy() {
    put("limits", "{\"max\":5}");
    var r = server.send("PUT", "/api/v1/policies/limits/guards", ADMIN,
        "{\"cooldownSeconds\":60,\"velocity\":{\"maxChanges\":2,\"windowSeconds\":3600},\"oscillationWindowSeconds\":600}");
    var policy = ok(r);
    assertThat(policy.path("guards")).isEqualTo(Json.parse(
        "{\"cooldownSeconds\":60,\"velocity\":{\"maxChanges\":2,\"windowSeconds\":3600},\"oscillationWindowSeconds\":600}",
        "test"));
    assertThat(ok(server.get("/api/v1/policies/limits", ADMIN)).path("guards")).isEqualTo(policy.path("guards"));

    var off = ok(server.send("PUT", "/api/v1/policies/limits/guards", ADMIN, "{\"velocity\":null}"));
    assertThat(off.path("guards")).as("setting guards replaces all of them")
        .isEqualTo(Json.parse("{\"cooldownSeconds\":0,\"velocity\":null,\"oscillationWindowSeconds\":0}", "test"));
  }

  @Test
  void the_cooldown_guard_skips_a_change_until_the_clock_has_moved_past_it() {
    put("limits", "{\"max\":5}");
    ok(server.send("PUT", "/api/v1/policies/limits/guards", ADMIN, "{\"cooldownSeconds\":60}"));

    server.clock().advanceSeconds(20);
    assertSkipped(change("limits", "{\"max\":6}"), false, false, false, true, false,
        "cooldown: version 1 was applied 20s ago, the cooldown is 60s (40s left)");

    server.clock().advanceSeconds(40);
    var applied = change("limits", "{\"max\":6}");
    assertThat(applied.path("applied").asBoolean()).isTrue();
    assertThat(applied.path("version").asInt()).isEqualTo(2);
  }

  @Test
  void the_velocity_guard_counts_applied_changes_in_its_window() {
    put("limits", "{\"max\":1}");
    ok(server.send("PUT", "/api/v1/policies/limits/guards", ADMIN,
        "{\"velocity\":{\"maxChanges\":2,\"windowSeconds\":3600}}"));
    server.clock().advanceSeconds(10);
    assertThat(change("limits", "{\"max\":2}").path("applied").asBoolean()).isTrue();

    server.clock().advanceSeconds(10);
    assertSkipped(change("limits", "{\"max\":3}"), false, false, true, false, false,
        "velocity: 2 changes applied in the last 3600s, the limit is 2");

    server.clock().advanceSeconds(3600);
    assertThat(change("limits", "{\"max\":3}").path("applied").asBoolean()).isTrue();
  }

  @Test
  void the_oscillation_guard_skips_a_key_returning_to_its_previous_value_and_every_guard_that_fired_is_named() {
    put("limits", "{\"max\":5,\"other\":1}");
    ok(server.send("PUT", "/api/v1/policies/limits/guards", ADMIN,
        "{\"cooldownSeconds\":60,\"velocity\":{\"maxChanges\":2,\"windowSeconds\":3600},\"oscillationWindowSeconds\":600}"));
    server.clock().advanceSeconds(61);
    assertThat(change("limits", "{\"max\":6}").path("applied").asBoolean()).isTrue();

    server.clock().advanceSeconds(30);
    var r = change("limits", "{\"max\":5}");
    assertSkipped(r, false, true, true, true, false,
        "oscillation: /max would return to 5, its value before version 2 changed it 30s ago (window 600s)");
    assertThat(texts(r.path("changedKeys"))).containsExactly("/max");

    server.clock().advanceSeconds(3600);
    assertThat(change("limits", "{\"max\":5}").path("applied").asBoolean()).isTrue();
  }

  @Test
  void a_frozen_policy_skips_every_change_and_rollback_until_it_is_unfrozen() {
    put("limits", "{\"max\":5}");
    change("limits", "{\"max\":6}");

    var frozen = ok(server.send("POST", "/api/v1/policies/limits/freeze", ADMIN, "{\"reason\":\"incident 42\"}"));
    assertThat(frozen.path("frozen").asBoolean()).isTrue();
    assertThat(frozen.path("frozenReason").asText()).isEqualTo("incident 42");
    assertThat(frozen.path("frozenBy").asText()).isEqualTo("admin");
    assertThat(frozen.path("frozenAt").asText()).isEqualTo("2025-01-01T00:00:00Z");
    long head = server.journalHead();
    ok(server.send("POST", "/api/v1/policies/limits/freeze", ADMIN, "{}"));
    ok(server.send("POST", "/api/v1/policies/limits/freeze", ADMIN, (String) null)); // the reason is optional
    assertThat(server.journalHead()).as("freezing a frozen policy changes nothing").isEqualTo(head);

    assertSkipped(change("limits", "{\"max\":7}"), true, false, false, false, false,
        "policy 'limits' is frozen: incident 42");
    assertSkipped(change("limits", "{\"max\":6}"), true, false, false, false, true,
        "policy 'limits' is frozen: incident 42");
    var rollback = ok(server.send("POST", "/api/v1/policies/limits/rollback", ADMIN, "{\"toVersion\":1}"));
    assertSkipped(rollback, true, false, false, false, false, "policy 'limits' is frozen: incident 42");

    var unfrozen = ok(server.send("POST", "/api/v1/policies/limits/unfreeze", ADMIN, "{\"reason\":\"resolved\"}"));
    assertThat(unfrozen.path("frozen").asBoolean()).isFalse();
    assertThat(unfrozen.path("frozenReason").isNull()).isTrue();
    assertThat(change("limits", "{\"max\":7}").path("version").asInt()).isEqualTo(3);
    var types = texts(ok(server.get("/api/v1/audit?afterSeq=0&limit=1000", ADMIN)).path("entries").findValues("type")
        .stream().collect(Json.mapper().getNodeFactory()::arrayNode, (a, n) -> a.add(n), (a, b) -> a.addAll(b)));
    assertThat(types).containsSubsequence("policy.frozen", "policy.skipped", "policy.skipped", "policy.skipped",
        "policy.unfrozen", "policy.applied");
  }

  @Test
  void a_rollback_makes_an_earlier_version_the_newest_and_ignores_the_other_guards() {
    put("limits", "{\"max\":5}");
    change("limits", "{\"max\":6}");
    change("limits", "{\"max\":7}");
    ok(server.send("PUT", "/api/v1/policies/limits/guards", ADMIN, "{\"cooldownSeconds\":3600}"));

    var r = ok(server.send("POST", "/api/v1/policies/limits/rollback", ADMIN, "{\"toVersion\":1}"));

    assertThat(fieldNames(r)).containsExactlyElementsOf(APPLY_RESULT_FIELDS);
    assertThat(r.path("applied").asBoolean()).isTrue();
    assertThat(r.path("version").asInt()).isEqualTo(4);
    assertThat(r.path("stateHash").asText()).isEqualTo(sha256("{\"max\":5}"));
    assertThat(r.path("oldHash").asText()).isEqualTo(sha256("{\"max\":7}"));
    assertThat(texts(r.path("changedKeys"))).containsExactly("/max");
    var v4 = ok(server.get("/api/v1/policies/limits/versions/4", ADMIN));
    assertThat(v4.path("kind").asText()).isEqualTo("rollback");
    assertThat(v4.path("reason").asText()).isEqualTo("rollback to version 1");

    var missing = server.send("POST", "/api/v1/policies/limits/rollback", ADMIN, "{\"toVersion\":99}");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).startsWith(Problem.MEDIA_TYPE);
    assertThat(missing.json().path("detail").asText())
        .isEqualTo("version 99 of policy 'limits' does not exist (versions are 1 to 4)");
  }

  @Test
  void versions_are_listed_newest_first_and_one_version_carries_its_document() {
    put("limits", "{\"max\":5}");
    server.clock().advanceSeconds(1);
    change("limits", "{\"max\":6}");
    server.clock().advanceSeconds(1);
    change("limits", "{\"max\":7}");

    var all = ok(server.get("/api/v1/policies/limits/versions", ADMIN)).path("versions");
    assertThat(all.findValuesAsText("version")).containsExactly("3", "2", "1");
    assertThat(fieldNames(all.get(0)))
        .containsExactly("version", "stateHash", "kind", "reason", "actor", "createdAt", "journalSeq");
    assertThat(all.get(2).path("kind").asText()).isEqualTo("create");
    assertThat(all.get(0).path("kind").asText()).isEqualTo("patch");
    assertThat(all.get(0).path("actor").asText()).isEqualTo("admin");
    assertThat(all.get(0).path("reason").asText()).isEqualTo("test change");
    assertThat(all.get(0).path("createdAt").asText()).isEqualTo("2025-01-01T00:00:02Z");

    var two = ok(server.get("/api/v1/policies/limits/versions?limit=2", ADMIN)).path("versions");
    assertThat(two.findValuesAsText("version")).containsExactly("3", "2");

    var v2 = ok(server.get("/api/v1/policies/limits/versions/2", ADMIN));
    assertThat(fieldNames(v2)).containsExactly(
        "policy", "version", "document", "stateHash", "kind", "reason", "actor", "createdAt", "journalSeq");
    assertThat(v2.path("document")).isEqualTo(Json.parse("{\"max\":6}", "test"));
    assertThat(v2.path("stateHash").asText()).isEqualTo(sha256("{\"max\":6}"));
    var entry = ok(server.get("/api/v1/audit?afterSeq=" + (v2.path("journalSeq").asLong() - 1) + "&limit=1", ADMIN))
        .path("entries").get(0);
    assertThat(entry.path("type").asText()).isEqualTo("policy.applied");
    assertThat(entry.path("payload").path("version").asInt()).isEqualTo(2);

    var missing = server.get("/api/v1/policies/limits/versions/4", ADMIN);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().path("detail").asText())
        .isEqualTo("version 4 of policy 'limits' does not exist (versions are 1 to 3)");
  }

  @Test
  void policies_are_listed_by_name_and_each_is_shown_with_its_current_version_and_guards() {
    put("zeta", "{\"z\":1}");
    put("alpha", "{\"a\":1}");
    change("alpha", "{\"a\":2}");

    var list = ok(server.get("/api/v1/policies", ADMIN)).path("policies");
    assertThat(list.findValuesAsText("name")).containsExactly("alpha", "zeta");
    var alpha = ok(server.get("/api/v1/policies/alpha", ADMIN));
    assertThat(fieldNames(alpha)).containsExactly("name", "version", "stateHash", "document", "frozen", "frozenReason",
        "frozenBy", "frozenAt", "guards", "createdAt", "updatedAt", "fleet");
    assertThat(alpha.path("version").asInt()).isEqualTo(2);
    assertThat(alpha.path("stateHash").asText()).isEqualTo(sha256("{\"a\":2}"));
    assertThat(alpha.path("document")).isEqualTo(Json.parse("{\"a\":2}", "test"));
    assertThat(alpha.path("frozen").asBoolean()).isFalse();
    assertThat(alpha.path("guards"))
        .isEqualTo(Json.parse("{\"cooldownSeconds\":0,\"velocity\":null,\"oscillationWindowSeconds\":0}", "test"));
    assertThat(list.get(0)).isEqualTo(((com.fasterxml.jackson.databind.node.ObjectNode) alpha.deepCopy()).without("fleet"));

    var missing = server.get("/api/v1/policies/nope", ADMIN);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().path("detail").asText()).isEqualTo("policy 'nope' does not exist");
  }

  @Test
  void the_audit_journal_pages_with_after_seq_and_limit_and_every_entry_chains_to_the_one_before() {
    put("limits", "{\"max\":1}");
    for (int i = 2; i <= 6; i++) {
      change("limits", "{\"max\":" + i + "}");
    }
    long head = server.journalHead();
    assertThat(head).as("admin token + 6 versions").isEqualTo(7);

    var seqs = new ArrayList<Long>();
    String prevHash = "0".repeat(64);
    long after = 0;
    int pages = 0;
    while (true) {
      var page = ok(server.get("/api/v1/audit?afterSeq=" + after + "&limit=3", ADMIN));
      assertThat(fieldNames(page)).containsExactly("entries", "nextAfterSeq", "headSeq");
      assertThat(page.path("headSeq").asLong()).isEqualTo(head);
      var entries = page.path("entries");
      if (entries.isEmpty()) {
        assertThat(page.path("nextAfterSeq").asLong()).as("an empty page stays where it is").isEqualTo(after);
        break;
      }
      assertThat(entries.size()).isLessThanOrEqualTo(3);
      for (JsonNode e : entries) {
        assertThat(fieldNames(e))
            .containsExactly("seq", "recordedAt", "type", "subject", "actor", "payload", "prevHash", "hash");
        assertThat(e.path("prevHash").asText()).isEqualTo(prevHash);
        prevHash = e.path("hash").asText();
        seqs.add(e.path("seq").asLong());
      }
      assertThat(page.path("nextAfterSeq").asLong()).isEqualTo(entries.get(entries.size() - 1).path("seq").asLong());
      after = page.path("nextAfterSeq").asLong();
      pages++;
    }
    assertThat(pages).isEqualTo(3);
    assertThat(seqs).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    var first = ok(server.get("/api/v1/audit?limit=1", ADMIN)).path("entries").get(0);
    assertThat(first.path("type").asText()).isEqualTo("token.created");
    assertThat(first.path("subject").asText()).isEqualTo("token:admin");

    var verify = ok(server.get("/api/v1/audit/verify", ADMIN));
    assertThat(verify.path("ok").asBoolean()).isTrue();
    assertThat(verify.path("entries").asLong()).isEqualTo(7);
    assertThat(verify.path("headHash").asText()).isEqualTo(prevHash);
    assertThat(verify.path("firstBadSeq").isNull()).isTrue();
  }

  @Test
  void audit_verify_finds_an_entry_altered_behind_the_servers_back() throws Exception {
    put("limits", "{\"max\":1}");
    change("limits", "{\"max\":2}");
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir().resolve("rollgate.db"));
        var st = c.createStatement()) {
      assertThat(st.executeUpdate("UPDATE journal SET actor = 'mallory' WHERE seq = 2")).isEqualTo(1);
    }

    var verify = ok(server.get("/api/v1/audit/verify", ADMIN));

    assertThat(verify.path("ok").asBoolean()).isFalse();
    assertThat(verify.path("firstBadSeq").asLong()).isEqualTo(2);
    assertThat(verify.path("problem").asText()).isNotBlank();
  }

  @Test
  void a_created_token_is_shown_once_and_works_with_exactly_its_role() {
    long head = server.journalHead();
    var r = server.send("POST", "/api/v1/tokens", ADMIN, "{\"name\":\"ci-bot\",\"role\":\"operator\"}");

    assertThat(r.status()).as("%s", r).isEqualTo(201);
    assertThat(r.header("Cache-Control")).hasValue("no-store");
    JsonNode body = r.json();
    assertThat(fieldNames(body)).containsExactly("id", "name", "role", "token");
    assertThat(body.path("name").asText()).isEqualTo("ci-bot");
    assertThat(body.path("role").asText()).isEqualTo("operator");
    String token = body.path("token").asText();
    assertThat(token).startsWith("rg_").hasSizeGreaterThan(40);

    var created = server.send("PUT", "/api/v1/policies/limits", token, "{\"document\":{\"max\":1}}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(ok(server.get("/api/v1/policies/limits/versions/1", token)).path("actor").asText()).isEqualTo("ci-bot");
    var guards = server.send("PUT", "/api/v1/policies/limits/guards", token, "{\"cooldownSeconds\":1}");
    assertThat(guards.status()).isEqualTo(403);
    assertThat(guards.json().path("detail").asText()).contains("needs admin");

    var audit = server.get("/api/v1/audit?afterSeq=" + head, ADMIN);
    assertThat(audit.json().path("entries").get(0).path("type").asText()).isEqualTo("token.created");
    assertThat(audit.body()).as("the secret is in the response and nowhere else").doesNotContain(token);
    assertThat(audit.body()).doesNotContain(token.substring(3, 20));

    var again = server.send("POST", "/api/v1/tokens", ADMIN, "{\"name\":\"ci-bot\",\"role\":\"viewer\"}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.contentType()).startsWith(Problem.MEDIA_TYPE);
  }

  @Test
  void health_is_public_and_reports_the_database_and_the_journal() {
    var r = server.get("/health", null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    JsonNode h = r.json();
    assertThat(h.path("status").asText()).isEqualTo("healthy");
    assertThat(h.path("checks").path("database").path("status").asText()).isEqualTo("up");
    assertThat(h.path("checks").path("database").path("dialect").asText()).isEqualTo("sqlite");
    assertThat(h.path("checks").path("journal").path("status").asText()).isEqualTo("up");
    assertThat(h.path("checks").path("journal").path("queueDepth").asInt()).isZero();
    assertThat(h.path("checks").path("journal").path("queueCapacity").asInt()).isEqualTo(4096);
  }

  @Test
  void health_is_503_unhealthy_naming_the_database_when_it_is_unusable() {
    server.server().database().close(); // the pools are gone: every query fails

    var r = server.get("/health", null);

    assertThat(r.status()).isEqualTo(503);
    JsonNode h = r.json();
    assertThat(h.path("status").asText()).isEqualTo("unhealthy");
    assertThat(h.path("checks").path("database").path("status").asText()).isEqualTo("down");
    assertThat(h.path("checks").path("database").path("problem").asText()).isNotBlank();
  }
}
