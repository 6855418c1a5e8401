package io.rollgate.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.server.testing.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's session, CSRF and role rules over plain HTTP (no browser): what a forged cookie, a
 * missing CSRF token or an under-privileged role gets, and that none of them changes anything.
 */
class UiHttpTest {
  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([A-Za-z0-9_-]+)\"");
  private static TestServer server;
  private static String alice;
  private static String viewer;
  private static String bob;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    alice = server.token("alice", "admin");
    viewer = server.token("vera", "viewer");
    bob = server.token("bob", "admin");
    assertThat(server.send("PUT", "/api/v1/policies/limits", alice,
        "{\"document\":{\"maxRps\":100},\"reason\":\"seed\"}").status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void signing_in_sets_an_httponly_strict_cookie_on_ui_that_does_not_contain_the_token() {
    var r = login(alice);
    assertThat(r.status()).isEqualTo(303);
    assertThat(r.header("Location")).hasValue("/ui");
    String setCookie = cookieHeader(r);
    assertThat(setCookie).startsWith(Sessions.COOKIE + "=v1.").contains("; Path=/ui", "; HttpOnly", "; SameSite=Strict")
        .doesNotContain("; Secure"); // plain http here; Secure when the request is HTTPS
    assertThat(setCookie).doesNotContain(alice);
    var page = get("/ui", cookie(r));
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("<h1>Overview</h1>", "alice", "(admin)");
    assertThat(page.header("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
  }

  @Test
  void a_wrong_token_is_refused_on_the_login_page_and_sets_no_cookie() {
    var r = login("rg_not-a-token-at-all-0000000000");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body()).contains("unknown or revoked token");
    assertThat(r.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith(Sessions.COOKIE + "="));
  }

  @Test
  void a_forged_or_missing_cookie_goes_back_to_the_login_page() {
    String good = cookie(login(alice));
    // change one character of the signature: the last one (whose two low bits the decoder ignores, so only
    // the canonical spelling check refuses some of these) and one in the middle
    String value = good.substring(good.indexOf('=') + 1);
    char last = value.charAt(value.length() - 1);
    String forged = Sessions.COOKIE + "=" + value.substring(0, value.length() - 1) + (last == 'A' ? 'B' : 'A');
    int mid = value.length() - 20;
    String forgedMid = Sessions.COOKIE + "=" + value.substring(0, mid) + (value.charAt(mid) == 'A' ? 'B' : 'A')
        + value.substring(mid + 1);
    for (String c : new String[] {null, forged, forgedMid, Sessions.COOKIE + "=v1.x.1.y.z",
        Sessions.COOKIE + "=garbage"}) {
      var r = get("/ui/rollouts", c);
      assertThat(r.status()).as("cookie %s", c).isEqualTo(303);
      assertThat(r.header("Location")).hasValue("/ui/login");
    }
    // an htmx request is told where to go instead of being handed the login page as a fragment
    var hx = server.send(request("/ui/rollouts", forged).header("HX-Request", "true").GET().build());
    assertThat(hx.header("HX-Redirect")).hasValue("/ui/login");
  }

  @Test
  void a_signature_is_accepted_only_in_the_spelling_the_server_wrote() {
    String c = cookie(login(alice));
    String value = c.substring(c.indexOf('=') + 1);
    char last = value.charAt(value.length() - 1);
    // same six high bits, other low bits: decodes to the same 32 bytes, so only the spelling differs
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int i = alphabet.indexOf(last);
    char twin = alphabet.charAt((i & ~3) | ((i + 1) & 3));
    String respelled = value.substring(0, value.length() - 1) + twin;
    assertThat(java.util.Base64.getUrlDecoder().decode(respelled.substring(respelled.lastIndexOf('.') + 1)))
        .isEqualTo(java.util.Base64.getUrlDecoder().decode(value.substring(value.lastIndexOf('.') + 1)));
    assertThat(get("/ui", Sessions.COOKIE + "=" + respelled).status()).isEqualTo(303);
    assertThat(get("/ui", c).status()).isEqualTo(200);
  }

  @Test
  void a_session_expires_with_the_injected_clock_and_survives_a_second_sessions_instance_on_the_same_database() {
    String c = cookie(login(alice));
    var other = Sessions.open(new io.rollgate.store.token.TokenStore(server.server().database(),
        server.server().journal()), server.server().journal(), server.clock());
    String value = c.substring(c.indexOf('=') + 1);
    assertThat(other.verify(value)).as("another replica or a restart reads the same key").isPresent();
    server.clock().advance(Sessions.TTL.plusSeconds(1)); // later tests sign in afresh
    assertThat(other.verify(value)).isEmpty();
    assertThat(get("/ui", c).status()).isEqualTo(303);
  }

  @Test
  void a_form_post_without_the_sessions_csrf_token_is_refused_with_403_and_changes_nothing() {
    String c = cookie(login(alice));
    long head = server.journalHead();
    var none = post("/ui/policies/limits/freeze", c, "reason=x");
    assertThat(none.status()).isEqualTo(403);
    assertThat(none.body()).contains("CSRF");
    // another session's token is not this session's token
    String otherToken = csrf(get("/ui/policies/limits", cookie(login(alice))).body());
    assertThat(post("/ui/policies/limits/freeze", c, "reason=x&_csrf=" + otherToken).status()).isEqualTo(403);
    assertThat(server.journalHead()).isEqualTo(head);
    assertThat(server.get("/api/v1/policies/limits", alice).json().path("frozen").asBoolean()).isFalse();
    // with it, the same post works (and is journaled by alice)
    String mine = csrf(get("/ui/policies/limits", c).body());
    var ok = post("/ui/policies/limits/freeze", c, "reason=maintenance&_csrf=" + mine);
    assertThat(ok.status()).isEqualTo(303);
    assertThat(server.get("/api/v1/policies/limits", alice).json().path("frozen").asBoolean()).isTrue();
    post("/ui/policies/limits/unfreeze", c, "reason=done&_csrf=" + mine);
  }

  @Test
  void a_viewer_sees_no_change_controls_and_is_refused_server_side() {
    String c = cookie(login(viewer));
    var page = get("/ui/policies/limits", c);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("Current document").doesNotContain("Apply change", "/freeze\"");
    String token = csrf(page.body());
    long head = server.journalHead();
    var r = post("/ui/policies/limits/change", c, "delta=" + enc("{\"maxRps\":5}") + "&_csrf=" + token);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body()).contains("role viewer", "needs operator");
    assertThat(server.journalHead()).isEqualTo(head);
  }

  @Test
  void invalid_form_input_is_shown_next_to_its_field_and_changes_nothing() {
    String c = cookie(login(alice));
    String token = csrf(get("/ui/policies/limits", c).body());
    long head = server.journalHead();
    var r = post("/ui/policies/limits/change", c, "delta=" + enc("{\"maxRps\":") + "&_csrf=" + token);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("id=\"change-delta-error\"", "malformed JSON");
    var notObject = post("/ui/policies/limits/change", c, "delta=" + enc("[1]") + "&_csrf=" + token);
    assertThat(notObject.body()).contains("id=\"change-delta-error\"", "must be a JSON object");
    var rollback = post("/ui/policies/limits/rollback", c, "toVersion=abc&_csrf=" + token);
    assertThat(rollback.status()).isEqualTo(400);
    assertThat(rollback.body()).contains("id=\"rollback-toVersion-error\"");
    var missing = post("/ui/policies/limits/rollback", c, "toVersion=99&_csrf=" + token);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body()).contains("version 99 of policy 'limits' does not exist");
    assertThat(server.journalHead()).isEqualTo(head);
    // and a valid change goes through the same store method as the API
    var ok = post("/ui/policies/limits/change", c, "delta=" + enc("{\"maxRps\":120}") + "&reason=more&_csrf=" + token);
    assertThat(ok.status()).isEqualTo(303);
    assertThat(server.get("/api/v1/policies/limits", alice).json().path("document").path("maxRps").asInt())
        .isEqualTo(120);
    var diff = get("/ui/policies/limits?from=1&to=2", c);
    assertThat(diff.body()).contains("id=\"diff\"", "\"maxRps\" : 100", "\"maxRps\" : 120");
  }

  @Test
  void assets_are_served_with_long_cache_headers_and_unknown_ones_are_404() {
    var js = get("/ui/assets/" + Ui.Assets.HTMX, null);
    assertThat(js.status()).isEqualTo(200);
    assertThat(js.header("Cache-Control").orElseThrow()).contains("max-age=31536000", "immutable");
    assertThat(js.contentType()).startsWith("text/javascript");
    assertThat(get("/ui/assets/" + Ui.Assets.SSE, null).body()).contains("defineExtension(\"sse\"");
    assertThat(get("/ui/assets/nope.js", null).status()).isEqualTo(404);
  }

  @Test
  void the_event_stream_needs_a_session() {
    var r = get("/ui/events", null);
    assertThat(r.status()).isEqualTo(401);
  }

  // ---- sign-in: CSRF and the failed-authentication limit ----

  @Test
  void the_sign_in_form_needs_its_login_cookie_and_the_token_made_for_it() {
    long head = server.journalHead();
    var none = loginPost(server, null, "token=" + enc(alice));
    assertThat(none.status()).isEqualTo(403);
    assertThat(none.body()).contains("sign in again here");
    assertThat(none.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith(Sessions.COOKIE + "="))
        .anyMatch(c -> c.startsWith(Sessions.LOGIN_COOKIE + "=")); // a fresh form to try again with
    var form = get("/ui/login", null);
    String set = form.headers().firstValue("Set-Cookie").orElseThrow();
    String loginCookie = set.substring(0, set.indexOf(';'));
    String token = csrf(form.body());
    // the token of another form (another nonce) does not fit this cookie, nor does a cookie without its token
    var other = get("/ui/login", null);
    assertThat(loginPost(server, loginCookie, "token=" + enc(alice) + "&_csrf=" + csrf(other.body())).status())
        .isEqualTo(403);
    assertThat(loginPost(server, loginCookie, "token=" + enc(alice)).status()).isEqualTo(403);
    var ok = loginPost(server, loginCookie, "token=" + enc(alice) + "&_csrf=" + token);
    assertThat(ok.status()).isEqualTo(303);
    assertThat(ok.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith(Sessions.COOKIE + "=v1."))
        .anyMatch(c -> c.startsWith(Sessions.LOGIN_COOKIE + "=;") && c.contains("Max-Age=0"));
    assertThat(server.journalHead()).isEqualTo(head);
  }

  @Test
  void wrong_tokens_on_the_sign_in_form_count_in_the_apis_failed_authentication_limit() {
    try (var limited = TestServer.start(null, cfg -> cfg.withAuthLimits(
        new io.rollgate.server.http.AuthLimits(3, Duration.ofSeconds(60), 100)))) {
      String admin = limited.token("root2", "admin");
      assertThat(login(limited, "").status()).as("an empty form guesses nothing").isEqualTo(401);
      for (int i = 0; i < 3; i++) {
        assertThat(login(limited, "rg_wrong-" + i).status()).isEqualTo(401);
      }
      var refused = login(limited, admin);
      assertThat(refused.status()).as("the right token, from an address over the limit").isEqualTo(429);
      assertThat(refused.body()).contains("too many failed sign-ins");
      assertThat(Long.parseLong(refused.header("Retry-After").orElseThrow())).isBetween(1L, 60L);
      assertThat(limited.get("/api/v1/policies", admin).status()).as("the API shares the limit").isEqualTo(429);
      limited.clock().advance(Duration.ofSeconds(61));
      assertThat(login(limited, admin).status()).isEqualTo(303);
    }
  }

  // ---- playbook actions on the incident page ----

  @Test
  void the_incident_page_offers_the_fitting_actions_as_schema_forms_and_a_viewer_none() {
    long incident = playbookIncident("pb-forms");
    var page = get("/ui/incidents/" + incident, cookie(login(alice)));
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("id=\"pb-freeze-policy\"", "id=\"pb-revert-policy\"",
        "<label for=\"pb-revert-policy-toVersion\">toVersion</label>",
        "name=\"params.toVersion\" type=\"number\" min=\"1\"", "value=\"1\"", // the suggested version
        "action=\"/ui/incidents/" + incident + "/actions/dry-run\"", "No action has been requested");
    var asViewer = get("/ui/incidents/" + incident, cookie(login(viewer)));
    assertThat(asViewer.body()).contains("id=\"pb-freeze-policy\"").doesNotContain("/actions/dry-run", "Dry run");
  }

  @Test
  void a_dry_run_shows_the_plan_and_changes_nothing_then_execute_runs_it_and_undo_compensates() {
    long incident = playbookIncident("pb-flow");
    String c = cookie(login(alice));
    String token = csrf(get("/ui/incidents/" + incident, c).body());
    long head = server.journalHead();
    var dry = post("/ui/incidents/" + incident + "/actions/dry-run", c,
        "action=freeze-policy&params.policy=pb-flow&_csrf=" + token);
    assertThat(dry.status()).isEqualTo(200);
    assertThat(dry.body()).contains("id=\"preview\"", "policy:pb-flow", "id=\"btn-execute\"",
        "name=\"params.policy\" value=\"pb-flow\"", "hx-get=\"/ui/incidents/" + incident + "\"");
    assertThat(server.journalHead()).as("a dry run journals nothing").isEqualTo(head);
    // Execute without a reason: the preview again, the problem next to the reason, nothing changed
    var noReason = post("/ui/incidents/" + incident + "/actions/execute", c,
        "action=freeze-policy&params.policy=pb-flow&reason=+&_csrf=" + token);
    assertThat(noReason.status()).isEqualTo(400);
    assertThat(noReason.body()).contains("id=\"execute-reason-error\"", "id=\"preview\"");
    assertThat(server.journalHead()).isEqualTo(head);

    var run = post("/ui/incidents/" + incident + "/actions/execute", c,
        "action=freeze-policy&params.policy=pb-flow&reason=" + enc("stop changes") + "&_csrf=" + token);
    assertThat(run.status()).isEqualTo(303);
    assertThat(run.header("Location")).hasValue("/ui/incidents/" + incident + "#h-pb-history");
    assertThat(server.get("/api/v1/policies/pb-flow", alice).json().path("frozen").asBoolean()).isTrue();
    String after = get("/ui/incidents/" + incident, c).body();
    long execution = server.get("/api/v1/incidents/" + incident + "/actions/history", alice).json()
        .path("executions").get(0).path("id").asLong();
    assertThat(after).contains("#" + execution + " freeze-policy", "data-execution=\"" + execution
        + "\">succeeded", "stop changes", "id=\"btn-undo-" + execution + "\"", "id=\"pb-unfreeze-policy\"");

    var undo = post("/ui/incidents/" + incident + "/actions/" + execution + "/rollback", c,
        "reason=" + enc("false alarm") + "&_csrf=" + token);
    assertThat(undo.status()).isEqualTo(303);
    assertThat(server.get("/api/v1/policies/pb-flow", alice).json().path("frozen").asBoolean()).isFalse();
    assertThat(get("/ui/incidents/" + incident, c).body()).contains("undone by execution #")
        .doesNotContain("id=\"btn-undo-" + execution + "\"");
  }

  @Test
  void playbook_forms_refuse_without_csrf_or_role_show_bad_parameters_next_to_the_field_and_change_nothing() {
    long incident = playbookIncident("pb-bad");
    String c = cookie(login(alice));
    String token = csrf(get("/ui/incidents/" + incident, c).body());
    String path = "/ui/incidents/" + incident + "/actions/";
    long head = server.journalHead();
    assertThat(post(path + "execute", c, "action=freeze-policy&params.policy=pb-bad&reason=x").status())
        .isEqualTo(403);
    String v = cookie(login(viewer));
    var asViewer = post(path + "dry-run", v, "action=freeze-policy&params.policy=pb-bad&_csrf="
        + csrf(get("/ui/incidents/" + incident, v).body()));
    assertThat(asViewer.status()).isEqualTo(403);
    assertThat(asViewer.body()).contains("role viewer", "needs operator");

    var notWhole = post(path + "dry-run", c, "action=revert-policy&params.policy=pb-bad&params.toVersion=abc&_csrf="
        + token);
    assertThat(notWhole.status()).isEqualTo(400);
    assertThat(notWhole.body()).contains("id=\"pb-revert-policy-params.toVersion-error\"", "must be a whole number")
        .contains("value=\"abc\""); // what was typed stays in the field
    var tooLow = post(path + "execute", c, "action=revert-policy&params.policy=pb-bad&params.toVersion=0&reason=x"
        + "&_csrf=" + token);
    assertThat(tooLow.body()).contains("id=\"pb-revert-policy-params.toVersion-error\"", "at least 1");
    var missing = post(path + "dry-run", c, "action=revert-policy&params.toVersion=1&_csrf=" + token);
    assertThat(missing.body()).contains("id=\"pb-revert-policy-params.policy-error\"", "is required");
    var unknown = post(path + "dry-run", c, "action=reboot-everything&_csrf=" + token);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body()).contains("must be one of", "reboot-everything");
    var noVersion = post(path + "dry-run", c, "action=revert-policy&params.policy=pb-bad&params.toVersion=99&_csrf="
        + token);
    assertThat(noVersion.status()).isEqualTo(400);
    assertThat(noVersion.body()).contains("id=\"pb-revert-policy-params.toVersion-error\"", "99 does not exist")
        .doesNotContain("id=\"preview\"");
    assertThat(post("/ui/incidents/999999/actions/dry-run", c, "action=freeze-policy&params.policy=pb-bad&_csrf="
        + token).status()).isEqualTo(404);
    assertThat(server.journalHead()).isEqualTo(head);
  }

  @Test
  void a_high_risk_action_waits_for_a_second_admin_and_its_requester_cannot_approve_it() {
    long incident = playbookIncident("pb-approve");
    String a = cookie(login(alice));
    String token = csrf(get("/ui/incidents/" + incident, a).body());
    var requested = post("/ui/incidents/" + incident + "/actions/execute", a, "action=revert-policy&params.policy="
        + "pb-approve&params.toVersion=1&reason=" + enc("undo the bad change") + "&_csrf=" + token);
    assertThat(requested.status()).isEqualTo(303);
    long execution = server.get("/api/v1/incidents/" + incident + "/actions/history", alice).json()
        .path("executions").get(0).path("id").asLong();
    String mine = get("/ui/incidents/" + incident, a).body();
    assertThat(mine).contains("awaiting_approval", "id=\"btn-cancel-" + execution + "\"")
        .doesNotContain("btn-approve-", "Waiting for your approval");
    long head = server.journalHead();
    var self = post("/ui/incidents/" + incident + "/actions/" + execution + "/approve", a, "reason=me&_csrf=" + token);
    assertThat(self.status()).isEqualTo(403);
    assertThat(self.body()).contains("four-eyes");
    assertThat(server.journalHead()).isEqualTo(head);

    String b = cookie(login(bob));
    String theirs = get("/ui/incidents/" + incident, b).body();
    assertThat(theirs).contains("Waiting for your approval", "id=\"btn-approve-" + execution + "\"");
    var approved = post("/ui/incidents/" + incident + "/actions/" + execution + "/approve", b,
        "reason=" + enc("agreed") + "&_csrf=" + csrf(theirs));
    assertThat(approved.status()).isEqualTo(303);
    assertThat(server.get("/api/v1/policies/pb-approve", alice).json().path("version").asInt()).isEqualTo(3);
    assertThat(get("/ui/incidents/" + incident, b).body()).contains("approved by bob")
        .doesNotContain("Waiting for your approval");
  }

  // ---- policy and rollout pages ----

  @Test
  void the_policy_page_shows_apply_statistics_for_the_last_day_and_each_session() {
    seed("pb-stats");
    for (String session : new String[] {"soak-1", "soak-1", "soak-2"}) {
      assertThat(server.send("POST", "/api/v1/policies/pb-stats/changes", alice, "{\"delta\":{\"n\":\"" + session
          + "\"},\"reason\":\"tune\",\"session\":\"" + session + "\"}").status()).isEqualTo(200);
    }
    String body = get("/ui/policies/pb-stats", cookie(login(alice))).body();
    assertThat(body).contains("id=\"apply-stats\"", "<td>last 24 h</td>", "<td>session soak-2</td>",
        "<td>session soak-1</td>");
    // soak-1: the second identical change is a no-op (partial ok): 2 proposals, 1 applied, 50.0%
    assertThat(body).containsPattern("session soak-1</td><td>2</td><td>1</td><td>1</td><td>0</td><td>0[^<]*</td>"
        + "<td>50.0%</td>");
    assertThat(body.indexOf("session soak-2")).as("most recent session first").isLessThan(body.indexOf("session soak-1"));
  }

  @Test
  void the_rollout_page_shows_the_sequential_judges_statistic_threshold_and_sentence_at_every_check() {
    seed("judged");
    var r = server.send("POST", "/api/v1/rollouts", alice, "{\"policy\":\"judged\",\"delta\":{\"n\":2},"
        + "\"reason\":\"try it\",\"stages\":[{\"name\":\"canary\",\"percentage\":10,\"minDurationSeconds\":60},"
        + "{\"name\":\"full\",\"percentage\":100,\"minDurationSeconds\":0}],"
        + "\"analysis\":{\"intervalSeconds\":60,\"minSamples\":10}}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    String id = r.json().path("id").asText();
    assertThat(server.send("POST", "/api/v1/outcomes", alice, "[{\"policy\":\"judged\",\"variant\":\"candidate\","
        + "\"success\":995,\"error\":5},{\"policy\":\"judged\",\"variant\":\"baseline\",\"success\":8955,"
        + "\"error\":45}]").status()).isEqualTo(200);
    server.clock().advance(Duration.ofSeconds(61));
    server.server().rollouts().tick();
    var m = server.get("/api/v1/rollouts/" + id, alice).json().path("measurements").get(0);
    assertThat(m.path("judge").asText()).as("%s", m).isEqualTo("sequential");
    String body = get("/ui/rollouts/" + id, cookie(login(alice))).body();
    assertThat(body).contains("id=\"checks\"", "<td>sequential</td>");
    String text = body.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", "\"").replace("&quot;", "\"")
        .replace("&#39;", "'").replace("&amp;", "&");
    assertThat(text).contains(m.path("sentence").asText(), "<td>" + RolloutViews.number(m.path("threshold").asDouble())
        + "</td>");
  }

  // ---- helpers ----

  /** A policy with two versions and an open incident whose source is that policy; returns the incident's id. */
  private static long playbookIncident(String policy) {
    seed(policy);
    assertThat(server.send("POST", "/api/v1/policies/" + policy + "/changes", alice,
        "{\"delta\":{\"n\":2},\"reason\":\"the change that hurt\"}").status()).isEqualTo(200);
    return server.server().incidents().signal(new io.rollgate.incident.Signal(io.rollgate.incident.Kind.GATE_FAILURE,
        io.rollgate.incident.Severity.SEV2, policy, "gate failed for " + policy, io.rollgate.json.Json.object()))
        .incident().id();
  }

  private static void seed(String policy) {
    assertThat(server.send("PUT", "/api/v1/policies/" + policy, alice, "{\"document\":{\"n\":1},\"reason\":\"seed\"}")
        .status()).isEqualTo(201);
  }

  private static TestServer.Response login(String token) {
    return login(server, token);
  }

  /** As a browser signs in: the form (its login cookie and CSRF token), then the post with both. */
  private static TestServer.Response login(TestServer on, String token) {
    var form = on.send(HttpRequest.newBuilder(URI.create(on.baseUrl() + "/ui/login")).timeout(Duration.ofSeconds(30))
        .GET().build());
    assertThat(form.status()).isEqualTo(200);
    String set = form.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(set).startsWith(Sessions.LOGIN_COOKIE + "=").contains("; Path=/ui/login", "; HttpOnly",
        "; SameSite=Strict");
    return loginPost(on, set.substring(0, set.indexOf(';')), "token=" + enc(token) + "&_csrf=" + csrf(form.body()));
  }

  private static TestServer.Response loginPost(TestServer on, String cookie, String form) {
    var b = HttpRequest.newBuilder(URI.create(on.baseUrl() + "/ui/login")).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded");
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return on.send(b.POST(HttpRequest.BodyPublishers.ofString(form)).build());
  }

  private static String cookie(TestServer.Response r) {
    String set = cookieHeader(r);
    return set.substring(0, set.indexOf(';'));
  }

  private static String cookieHeader(TestServer.Response r) {
    return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith(Sessions.COOKIE + "="))
        .findFirst().orElseThrow(() -> new AssertionError("no session cookie in " + r));
  }

  private static HttpRequest.Builder request(String path, String cookie) {
    var b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(30));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return b;
  }

  private static TestServer.Response get(String path, String cookie) {
    return server.send(request(path, cookie).GET().build());
  }

  private static TestServer.Response post(String path, String cookie, String form) {
    return server.send(request(path, cookie).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build());
  }

  private static String csrf(String html) {
    Matcher m = CSRF.matcher(html);
    assertThat(m.find()).as("a CSRF field in the page").isTrue();
    return m.group(1);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
