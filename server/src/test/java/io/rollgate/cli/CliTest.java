package io.rollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The CLI against an in-process server: output, --json, and exit codes (0 success, 1 a negative
 * verdict, 2 usage or connection error, always with a one-line message).
 */
class CliTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  record Result(int exit, String out, String err) {
    JsonNode json() {
      return Json.parse(out, "stdout");
    }

    List<String> errLines() {
      return err.lines().toList();
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** Runs the CLI as is, with {@code env} as its environment. */
  static Result run(Map<String, String> env, String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env::get);
    return new Result(exit, out.toString(), err.toString());
  }

  /** Runs a client command against the test server with the admin token. */
  static Result rg(String... args) {
    return rgAs(TestServer.ADMIN_TOKEN, args);
  }

  static Result rgAs(String token, String... args) {
    var all = new ArrayList<>(List.of(args));
    all.add("--server");
    all.add(server.baseUrl());
    var env = new HashMap<String, String>();
    if (token != null) {
      env.put("ROLLGATE_TOKEN", token);
    }
    return run(env, all.toArray(String[]::new));
  }

  static Result ok(Result r) {
    assertThat(r.exit()).as("%s", r).isZero();
    return r;
  }

  static void assertOneLineError(Result r, int exit) {
    assertThat(r.exit()).as("%s", r).isEqualTo(exit);
    assertThat(r.errLines()).as("%s", r).hasSize(1);
    assertThat(r.errLines().get(0)).startsWith("rollgate: ");
    assertThat(r.out()).as("%s", r).isEmpty();
  }

  static String hash12(String policy) {
    return server.get("/api/v1/policies/" + policy, TestServer.ADMIN_TOKEN).json().path("stateHash").asText().substring(0, 12);
  }

  @Test
  void put_change_history_and_rollback_print_what_happened() {
    var put = ok(rg("policy", "put", "flow", "--document", "{\"max\":5,\"mode\":\"warn\"}", "--reason", "initial"));
    assertThat(put.out()).isEqualTo("applied: flow is now version 1 (" + hash12("flow") + ")\n  changed /max\n  changed /mode\n");

    var change = ok(rg("policy", "change", "flow", "--set", "max=7", "--set", "nested.a=true", "--set", "mode=null"));
    assertThat(change.out()).isEqualTo("applied: flow is now version 2 (" + hash12("flow") + ")\n"
        + "  changed /max\n  changed /mode\n  changed /nested/a\n");
    assertThat(server.get("/api/v1/policies/flow", TestServer.ADMIN_TOKEN).json().path("document"))
        .isEqualTo(Json.parse("{\"max\":7,\"nested\":{\"a\":true}}", "test"));

    var history = ok(rg("policy", "history", "flow"));
    assertThat(history.out().lines().toList()).hasSize(2);
    assertThat(history.out().lines().toList().get(0)).startsWith("v2 ").contains("patch").contains("admin");
    assertThat(history.out().lines().toList().get(1)).startsWith("v1 ").contains("create").endsWith("initial");

    var rollback = ok(rg("policy", "rollback", "flow", "--to", "1"));
    assertThat(rollback.out()).startsWith("applied: flow is now version 3 (" + hash12("flow") + ")");
    var get = ok(rg("policy", "get", "flow"));
    assertThat(get.out()).startsWith("# flow version 3 ");
    assertThat(Json.parse(get.out().substring(get.out().indexOf('\n') + 1), "test"))
        .isEqualTo(Json.parse("{\"max\":5,\"mode\":\"warn\"}", "test"));
    var v2 = ok(rg("policy", "get", "flow", "--version", "2"));
    assertThat(v2.out()).startsWith("# flow version 2 ");
  }

  @Test
  void a_skipped_change_exits_1_and_says_which_guard_fired() {
    ok(rg("policy", "put", "skips", "--document", "{\"max\":5}"));

    var noOp = rg("policy", "change", "skips", "--delta", "{\"max\":5}");
    assertThat(noOp.exit()).as("%s", noOp).isEqualTo(1);
    assertThat(noOp.out()).isEqualTo("skipped: skips stays at version 1 — no effective change: the candidate's state "
        + "hash equals version 1 (" + hash12("skips") + "…) [noOp]\n");

    ok(rg("policy", "freeze", "skips", "--reason", "incident 7"));
    var frozen = rg("policy", "change", "skips", "--set", "max=6");
    assertThat(frozen.exit()).as("%s", frozen).isEqualTo(1);
    assertThat(frozen.out()).isEqualTo("skipped: skips stays at version 1 — policy 'skips' is frozen: incident 7 [freeze]\n");
    var frozenJson = rg("policy", "change", "skips", "--set", "max=6", "--json");
    assertThat(frozenJson.exit()).isEqualTo(1);
    assertThat(frozenJson.json().path("skipReason").path("freeze").asBoolean()).isTrue();

    ok(rg("policy", "unfreeze", "skips"));
    assertThat(rg("policy", "change", "skips", "--set", "max=6").exit()).isZero();
  }

  @Test
  void freeze_unfreeze_and_guards_show_the_policy() {
    ok(rg("policy", "put", "guarded", "--document", "{}"));

    var frozen = ok(rg("policy", "freeze", "guarded", "--reason", "change window closed"));
    assertThat(frozen.out().lines().findFirst().orElseThrow())
        .isEqualTo("guarded version 1 " + hash12("guarded") + "  FROZEN: change window closed");
    var unfrozen = ok(rg("policy", "unfreeze", "guarded"));
    assertThat(unfrozen.out().lines().findFirst().orElseThrow()).isEqualTo("guarded version 1 " + hash12("guarded"));

    var set = ok(rg("policy", "guards", "guarded", "--cooldown", "60", "--velocity", "3/3600", "--oscillation-window", "600"));
    assertThat(set.out().lines().toList().get(1))
        .isEqualTo("  guards: cooldown 60s, velocity 3 per 3600s, oscillation window 600s");
    var shown = ok(rg("policy", "guards", "guarded"));
    assertThat(shown.out()).isEqualTo(set.out());
    var off = ok(rg("policy", "guards", "guarded", "--cooldown", "0"));
    assertThat(off.out().lines().toList().get(1)).isEqualTo("  guards: cooldown off, velocity off, oscillation window off");
  }

  @Test
  void every_command_with_json_prints_the_servers_answer_as_json() {
    var put = ok(rg("policy", "put", "jsonout", "--document", "{\"max\":1}", "--json"));
    assertThat(put.json().path("applied").asBoolean()).isTrue();
    assertThat(put.json().path("version").asInt()).isEqualTo(1);
    var change = ok(rg("policy", "change", "jsonout", "--delta", "{\"max\":2}", "--json"));
    assertThat(change.json().path("changedKeys").get(0).asText()).isEqualTo("/max");
    assertThat(ok(rg("policy", "get", "jsonout", "--json")).json().path("document"))
        .isEqualTo(Json.parse("{\"max\":2}", "test"));
    assertThat(ok(rg("policy", "get", "jsonout", "--version", "1", "--json")).json().path("kind").asText())
        .isEqualTo("create");
    assertThat(ok(rg("policy", "list", "--json")).json().path("policies").findValuesAsText("name")).contains("jsonout");
    assertThat(ok(rg("policy", "history", "jsonout", "--json")).json().path("versions").size()).isEqualTo(2);
    assertThat(ok(rg("policy", "rollback", "jsonout", "--to", "1", "--json")).json().path("version").asInt()).isEqualTo(3);
    assertThat(ok(rg("policy", "freeze", "jsonout", "--json")).json().path("frozen").asBoolean()).isTrue();
    assertThat(ok(rg("policy", "unfreeze", "jsonout", "--json")).json().path("frozen").asBoolean()).isFalse();
    assertThat(ok(rg("policy", "guards", "jsonout", "--cooldown", "5", "--json")).json().path("guards")
        .path("cooldownSeconds").asLong()).isEqualTo(5);
    assertThat(ok(rg("policy", "guards", "jsonout", "--json")).json().path("name").asText()).isEqualTo("jsonout");
    var tail = ok(rg("audit", "tail", "--after", "0", "--limit", "2", "--json")).json();
    assertThat(tail.path("entries").size()).isEqualTo(2);
    assertThat(tail.path("nextAfterSeq").asLong()).isEqualTo(2);
    var verify = ok(rg("audit", "verify", "--json")).json();
    assertThat(verify.path("ok").asBoolean()).isTrue();
    assertThat(verify.path("entries").asLong()).isEqualTo(server.journalHead());
    var token = ok(rg("token", "create", "json-bot", "--role", "viewer", "--json")).json();
    assertThat(token.path("role").asText()).isEqualTo("viewer");
    assertThat(token.path("token").asText()).startsWith("rg_");
  }

  @Test
  void audit_tail_prints_one_line_per_entry_and_verify_says_ok() {
    ok(rg("policy", "put", "audited", "--document", "{\"a\":1}"));
    long head = server.journalHead();

    var tail = ok(rg("audit", "tail", "--after", Long.toString(head - 1)));
    assertThat(tail.out().lines().toList()).hasSize(1);
    assertThat(tail.out()).contains("policy.applied").contains("audited").contains("admin").contains("v1 ");

    var verify = ok(rg("audit", "verify"));
    var expected = server.get("/api/v1/audit/verify", TestServer.ADMIN_TOKEN).json();
    assertThat(verify.out()).isEqualTo("ok: " + expected.path("entries").asLong() + " entries, head "
        + expected.path("headHash").asText() + "\n");
  }

  @Test
  void audit_verify_exits_1_when_the_chain_is_broken() throws Exception {
    try (var other = TestServer.start()) {
      other.send("PUT", "/api/v1/policies/p", TestServer.ADMIN_TOKEN, "{\"document\":{}}");
      try (var c = DriverManager.getConnection("jdbc:sqlite:" + other.dataDir().resolve("rollgate.db"));
          var st = c.createStatement()) {
        st.executeUpdate("UPDATE journal SET subject = 'q' WHERE seq = 2");
      }
      var r = run(Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN, "ROLLGATE_URL", other.baseUrl()), "audit", "verify");
      assertThat(r.exit()).as("%s", r).isEqualTo(1);
      assertThat(r.out()).startsWith("BROKEN at seq 2: ");
      var json = run(Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN, "ROLLGATE_URL", other.baseUrl()),
          "audit", "verify", "--json");
      assertThat(json.exit()).isEqualTo(1);
      assertThat(json.json().path("firstBadSeq").asLong()).isEqualTo(2);
    }
  }

  @Test
  void a_created_token_is_printed_once_on_stdout_and_works_with_its_role() {
    var created = ok(rg("token", "create", "cli-viewer", "--role", "viewer"));
    assertThat(created.out().lines().toList()).hasSize(1);
    String token = created.out().strip();
    assertThat(token).startsWith("rg_");
    assertThat(created.err()).isEqualTo("created viewer token 'cli-viewer'; store it now, it is not shown again\n");

    ok(rgAs(token, "policy", "list"));
    var refused = rgAs(token, "policy", "put", "by-viewer", "--document", "{}");
    assertOneLineError(refused, 2);
    assertThat(refused.err()).contains("needs operator").contains("(HTTP 403)");
  }

  @Test
  void a_refused_request_exits_2_with_one_line_naming_the_field() {
    ok(rg("policy", "put", "refused", "--document", "{}"));

    var guard = rg("policy", "guards", "refused", "--cooldown=-5");
    assertOneLineError(guard, 2);
    assertThat(guard.err()).isEqualTo("rollgate: error: cooldownSeconds must be between 0 (off) and 604800, got -5 "
        + "[field: cooldownSeconds] (HTTP 400)\n");

    var limit = rg("audit", "tail", "--limit", "0");
    assertOneLineError(limit, 2);
    assertThat(limit.err()).contains("[field: limit] (HTTP 400)");

    var missing = rg("policy", "get", "nope");
    assertOneLineError(missing, 2);
    assertThat(missing.err()).isEqualTo("rollgate: error: policy 'nope' does not exist (HTTP 404)\n");

    var noToken = rgAs(null, "policy", "list");
    assertOneLineError(noToken, 2);
    assertThat(noToken.err()).contains("[field: Authorization] (HTTP 401)").contains("set ROLLGATE_TOKEN");
  }

  @Test
  void an_unreachable_server_exits_2_with_one_line() throws IOException {
    int closedPort;
    try (var s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var r = run(Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN), "policy", "list", "--server",
        "http://127.0.0.1:" + closedPort);
    assertOneLineError(r, 2);
    assertThat(r.err()).startsWith("rollgate: cannot reach Rollgate at http://127.0.0.1:" + closedPort);

    var url = run(Map.of("ROLLGATE_URL", "http://127.0.0.1:" + closedPort), "audit", "verify");
    assertOneLineError(url, 2);
    assertThat(url.err()).contains("127.0.0.1:" + closedPort);

    var bad = run(Map.of(), "policy", "list", "--server", "ftp://example");
    assertOneLineError(bad, 2);
    assertThat(bad.err()).contains("invalid --server 'ftp://example'");
  }

  @Test
  void a_policy_name_is_checked_before_anything_is_sent() throws IOException {
    int closedPort;
    try (var s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var r = run(Map.of("ROLLGATE_URL", "http://127.0.0.1:" + closedPort), "policy", "get", "../audit");

    assertOneLineError(r, 2);
    assertThat(r.err()).startsWith("rollgate: invalid policy name '../audit': must match [a-z0-9][a-z0-9_-]{0,63}");
  }

  @Test
  void version_prints_the_version() {
    var r = run(Map.of(), "--version");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("rollgate 0.1.0\n");
  }

  static Stream<List<String>> badUsage() throws IOException {
    var file = Files.createTempFile("rollgate-doc", ".json");
    file.toFile().deleteOnExit();
    return Stream.of(
        List.of(),
        List.of("frobnicate"),
        List.of("policy"),
        List.of("policy", "frobnicate"),
        List.of("policy", "list", "--bogus"),
        List.of("policy", "put"),
        List.of("policy", "put", "x"),
        List.of("policy", "put", "x", "--document", "{}", "--file", file.toString()),
        List.of("policy", "put", "x", "--document", "{not json"),
        List.of("policy", "put", "x", "--file", "/nonexistent/doc.json"),
        List.of("policy", "change", "x"),
        List.of("policy", "change", "x", "--set", "novalue"),
        List.of("policy", "change", "x", "--set", "a=1", "--delta", "{}"),
        List.of("policy", "rollback", "x"),
        List.of("policy", "rollback", "x", "--to", "abc"),
        List.of("policy", "history", "x", "--limit", "many"),
        List.of("policy", "guards", "x", "--velocity", "3"),
        List.of("policy", "guards", "x", "--cooldown", "soon"),
        List.of("policy", "get", "../tokens"),
        List.of("policy", "freeze", "Not-A-Name"),
        List.of("audit", "tail", "--after", "x"),
        List.of("token", "create"),
        List.of("token", "create", "x"),
        List.of("serve", "--port", "99999"),
        List.of("serve", "--attest-interval", "0"),
        List.of("serve", "--attest-interval", "often"),
        List.of("serve", "--drain-delay", "-1"),
        List.of("serve", "--drain-delay", "301"),
        List.of("serve", "--auth-failure-limit", "-1"),
        List.of("serve", "--auth-failure-limit", "many"),
        List.of("serve", "--auth-failure-window", "0"),
        List.of("serve", "--auth-failure-window", "86401"));
  }

  @ParameterizedTest(name = "rollgate {0}")
  @MethodSource("badUsage")
  void bad_usage_exits_2_with_one_line_and_sends_nothing(List<String> args) {
    long head = server.journalHead();
    var env = Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN, "ROLLGATE_URL", server.baseUrl());

    var r = run(env, args.toArray(String[]::new));

    assertOneLineError(r, 2);
    assertThat(server.journalHead()).isEqualTo(head);
  }

  /** Every command path in the tree, root first: [], [serve], [policy], [policy, list], … */
  static Stream<List<String>> commandPaths() {
    var out = new ArrayList<List<String>>();
    collect(new CommandLine(new Main()), List.of(), out);
    return out.stream();
  }

  private static void collect(CommandLine cmd, List<String> path, List<List<String>> out) {
    out.add(path);
    cmd.getSubcommands().forEach((name, sub) -> {
      if (sub.getCommandName().equals(name)) { // skip aliases
        var next = new ArrayList<>(path);
        next.add(name);
        collect(sub, next, out);
      }
    });
  }

  @Test
  void the_command_tree_has_every_command_the_design_names() {
    assertThat(commandPaths().map(p -> String.join(" ", p))).contains("", "serve", "policy", "policy list",
        "policy get", "policy put", "policy change", "policy history", "policy rollback", "policy freeze",
        "policy unfreeze", "policy guards", "audit", "audit tail", "audit verify", "token", "token create", "help");
  }

  @ParameterizedTest(name = "rollgate {0} --help")
  @MethodSource("commandPaths")
  void help_works_for_every_command(List<String> path) {
    var args = new ArrayList<>(path);
    args.add("--help");

    var r = run(Map.of(), args.toArray(String[]::new));

    assertThat(r.exit()).as("%s", r).isZero();
    assertThat(r.out()).contains("Usage: rollgate" + (path.isEmpty() ? "" : " " + String.join(" ", path)) + " [");
    assertThat(r.err()).isEmpty();
  }

  @ParameterizedTest(name = "rollgate {0}")
  @MethodSource("commandPaths")
  void every_client_command_offers_json(List<String> path) {
    var spec = new CommandLine(new Main());
    for (String name : path) {
      spec = spec.getSubcommands().get(name);
    }
    boolean client = spec.getCommandSpec().mixins().values().stream()
        .anyMatch(m -> m.userObject() instanceof ClientOptions);
    boolean leaf = spec.getSubcommands().isEmpty();
    // need no server, but speak --json like the rest
    boolean local = List.of(List.of("simulate"), List.of("backup"), List.of("restore")).contains(path);
    if (leaf && !path.equals(List.of("serve")) && !path.equals(List.of("help"))) {
      assertThat(client || local).as("rollgate %s is a client command", path).isTrue();
      assertThat(spec.getCommandSpec().findOption("--json")).as("--json on %s", path).isNotNull();
    }
  }
  @Test
  void events_replays_after_a_sequence_number_as_ndjson_and_stops_after_count() {
    ok(rg("policy", "put", "evt-replay", "--document", "{\"max\":1}"));
    long seq = server.journalHead();
    ok(rg("policy", "change", "evt-replay", "--set", "max=2"));

    var r = ok(rg("events", "--after", Long.toString(seq - 1), "--subject", "evt-replay", "--count", "2", "--json"));

    var lines = r.out().lines().map(l -> Json.parse(l, "line")).toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).path("seq").asLong()).isEqualTo(seq);
    assertThat(lines.get(0).path("type").asText()).isEqualTo("policy.applied");
    assertThat(lines.get(1).path("payload").path("version").asInt()).isEqualTo(2);
  }

  @Test
  void events_prints_a_change_made_while_it_follows() throws Exception {
    ok(rg("policy", "put", "evt-live", "--document", "{\"max\":1}"));
    long head = server.journalHead();
    var follower = java.util.concurrent.CompletableFuture.supplyAsync(() -> rg("events", "--after",
        Long.toString(head), "--types", "policy.applied", "--subject", "evt-live", "--count", "1"));

    ok(rg("policy", "change", "evt-live", "--set", "max=7"));

    var r = ok(follower.get(30, java.util.concurrent.TimeUnit.SECONDS));
    assertThat(r.out()).contains("policy.applied").contains("evt-live").contains("v2 ");
    assertThat(r.out().lines()).hasSize(1);
  }

  @Test
  void events_with_an_unknown_type_exits_2_with_the_servers_reason() {
    var r = rg("events", "--types", "policy.nonsense", "--count", "1");

    assertOneLineError(r, 2);
    assertThat(r.err()).contains("[field: types]").contains("(HTTP 400)");
  }
}
