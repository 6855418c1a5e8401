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

  @BeforeAll
  static void start() {
    server = TestServer.start();
    alice = server.token("alice", "admin");
    viewer = server.token("vera", "viewer");
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
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
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
    assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void a_forged_or_missing_cookie_goes_back_to_the_login_page() {
    String good = cookie(login(alice));
    // change one character of the signature
    String value = good.substring(good.indexOf('=') + 1);
    char last = value.charAt(value.length() - 1);
    String forged = Sessions.COOKIE + "=" + value.substring(0, value.length() - 1) + (last == 'A' ? 'B' : 'A');
    for (String c : new String[] {null, forged, Sessions.COOKIE + "=v1.x.1.y.z", Sessions.COOKIE + "=garbage"}) {
      var r = get("/ui/rollouts", c);
      assertThat(r.status()).as("cookie %s", c).isEqualTo(303);
      assertThat(r.header("Location")).hasValue("/ui/login");
    }
    // an htmx request is told where to go instead of being handed the login page as a fragment
    var hx = server.send(request("/ui/rollouts", forged).header("HX-Request", "true").GET().build());
    assertThat(hx.header("HX-Redirect")).hasValue("/ui/login");
  }

  @Test
  void a_session_expires_with_the_injected_clock_and_survives_a_second_sessions_instance_on_the_same_database() {
    String c = cookie(login(alice));
    var other = Sessions.open(server.server().database(), server.server().journal(), server.clock());
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

  // ---- helpers ----

  private static TestServer.Response login(String token) {
    return server.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/ui/login"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("token=" + enc(token))).build());
  }

  private static String cookie(TestServer.Response r) {
    String set = r.headers().firstValue("Set-Cookie").orElseThrow(() -> new AssertionError("no cookie in " + r));
    return set.substring(0, set.indexOf(';'));
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
