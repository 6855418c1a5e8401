package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rollgate.server.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invariant 7, route by route: every route × {no token, unknown token, viewer, operator, admin} gets
 * the status the matrix says. A missing or unknown token is a 401 with WWW-Authenticate, a role
 * below the route's is a 403 naming the role needed, the route's own role and above get through,
 * and a refused request journals nothing. Public routes answer 200 to all five: they ignore the
 * Authorization header entirely (not checked, not counted towards the failed-authentication limit).
 * The matrix is checked against the routes actually registered, so a new route cannot be added
 * without a row here; a row whose route is not registered (yet) is skipped by the other tests and
 * fails that one.
 */
class AuthorizationMatrixTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  /**
   * One route: as registered, as called, the role DESIGN.md §5 gives it (null = public), a valid body,
   * whether it answers with an event stream (read only up to its headers, then closed), and the
   * setup a call needs when the route's success uses something up (a rollout's phase, a policy
   * without a rollout): it runs before every call and makes a fresh one, whose name replaces
   * {@code @} in the path and the body.
   */
  record Route(String method, String template, String path, String role, String body, boolean stream,
      Supplier<String> fresh) {
    Route(String method, String template, String path, String role, String body) {
      this(method, template, path, role, body, false, null);
    }

    Route(String method, String template, String path, String role, String body, boolean stream) {
      this(method, template, path, role, body, stream, null);
    }

    Route(String method, String template, String path, String role, String body, Supplier<String> fresh) {
      this(method, template, path, role, body, false, fresh);
    }

    /** A concrete call: the setup done (before the caller reads the journal head), '#' a new number. */
    Call prepare() {
      String made = fresh == null ? "" : fresh.get();
      return new Call(this, path.replace("@", made),
          body == null ? null : body.replace("#", Integer.toString(COUNTER.incrementAndGet())).replace("@", made));
    }

    @Override
    public String toString() {
      return method + " " + template;
    }
  }

  record Call(Route route, String path, String body) {}

  static final List<Route> MATRIX = List.of(
      new Route("GET", "/health", "/health", null, null),
      new Route("GET", "/metrics", "/metrics", null, null),
      new Route("POST", "/api/v1/tokens", "/api/v1/tokens", "admin", "{\"name\":\"t-#\",\"role\":\"viewer\"}"),
      new Route("GET", "/api/v1/policies", "/api/v1/policies", "viewer", null),
      new Route("GET", "/api/v1/policies/{name}", "/api/v1/policies/p", "viewer", null),
      new Route("PUT", "/api/v1/policies/{name}", "/api/v1/policies/p", "operator", "{\"document\":{\"max\":#}}"),
      new Route("POST", "/api/v1/policies/{name}/changes", "/api/v1/policies/p/changes", "operator",
          "{\"delta\":{\"max\":#},\"reason\":\"matrix\"}"),
      new Route("POST", "/api/v1/policies/{name}/rollback", "/api/v1/policies/p/rollback", "operator",
          "{\"toVersion\":1}"),
      new Route("GET", "/api/v1/policies/{name}/versions", "/api/v1/policies/p/versions", "viewer", null),
      new Route("GET", "/api/v1/policies/{name}/versions/{version}", "/api/v1/policies/p/versions/1", "viewer", null),
      new Route("PUT", "/api/v1/policies/{name}/guards", "/api/v1/policies/p/guards", "admin",
          "{\"cooldownSeconds\":0,\"velocity\":null,\"oscillationWindowSeconds\":0}"),
      new Route("POST", "/api/v1/policies/{name}/freeze", "/api/v1/policies/p/freeze", "admin", "{\"reason\":\"matrix\"}"),
      new Route("POST", "/api/v1/policies/{name}/unfreeze", "/api/v1/policies/p/unfreeze", "admin", "{}"),
      new Route("POST", "/api/v1/rollouts", "/api/v1/rollouts", "operator",
          "{\"policy\":\"@\",\"delta\":{\"max\":#},\"reason\":\"matrix\"}", Rollouts::policy),
      new Route("GET", "/api/v1/rollouts", "/api/v1/rollouts?policy=r&active=true", "viewer", null),
      new Route("GET", "/api/v1/rollouts/{id}", "/api/v1/rollouts/r-1", "viewer", null),
      // the matrix admin did not create these rollouts, so four-eyes lets it approve them
      new Route("POST", "/api/v1/rollouts/{id}/advance", "/api/v1/rollouts/@/advance", "admin",
          "{\"reason\":\"matrix\"}", Rollouts::progressing),
      new Route("POST", "/api/v1/rollouts/{id}/rollback", "/api/v1/rollouts/@/rollback", "operator",
          "{\"reason\":\"matrix\"}", Rollouts::progressing),
      new Route("POST", "/api/v1/rollouts/{id}/pause", "/api/v1/rollouts/@/pause", "operator",
          "{\"reason\":\"matrix\"}", Rollouts::progressing),
      new Route("POST", "/api/v1/rollouts/{id}/resume", "/api/v1/rollouts/@/resume", "operator",
          "{\"reason\":\"matrix\"}", Rollouts::paused),
      new Route("POST", "/api/v1/rollouts/{id}/abort", "/api/v1/rollouts/@/abort", "operator",
          "{\"reason\":\"matrix\"}", Rollouts::progressing),
      new Route("POST", "/api/v1/outcomes", "/api/v1/outcomes", "operator",
          "{\"policy\":\"r\",\"variant\":\"candidate\",\"success\":#,\"error\":0}"),
      new Route("GET", "/api/v1/evaluate/{policy}", "/api/v1/evaluate/r?subject=u-1", "viewer", null),
      new Route("GET", "/api/v1/sdk/snapshot", "/api/v1/sdk/snapshot?policy=p", "viewer", null),
      new Route("POST", "/api/v1/sdk/report", "/api/v1/sdk/report", "operator",
          "{\"client\":\"matrix\",\"policies\":{\"p\":\"" + "a".repeat(64) + "\"}}"),
      new Route("GET", "/api/v1/incidents", "/api/v1/incidents?state=open", "viewer", null),
      new Route("GET", "/api/v1/incidents/{id}", "/api/v1/incidents/@", "viewer", null, () -> Incidents.in(null)),
      new Route("POST", "/api/v1/incidents/{id}/acknowledge", "/api/v1/incidents/@/acknowledge", "operator",
          "{\"reason\":\"matrix\"}", () -> Incidents.in(null)),
      new Route("POST", "/api/v1/incidents/{id}/unacknowledge", "/api/v1/incidents/@/unacknowledge", "operator",
          "{\"reason\":\"matrix\"}", () -> Incidents.in(io.rollgate.incident.Action.ACKNOWLEDGE)),
      new Route("POST", "/api/v1/incidents/{id}/mitigate", "/api/v1/incidents/@/mitigate", "operator",
          "{\"reason\":\"matrix\"}", () -> Incidents.in(io.rollgate.incident.Action.ACKNOWLEDGE)),
      new Route("POST", "/api/v1/incidents/{id}/resolve", "/api/v1/incidents/@/resolve", "operator",
          "{\"reason\":\"matrix\"}", () -> Incidents.in(null)),
      new Route("POST", "/api/v1/incidents/{id}/close", "/api/v1/incidents/@/close", "operator",
          "{\"reason\":\"matrix\"}", () -> Incidents.in(io.rollgate.incident.Action.RESOLVE)),
      new Route("GET", "/api/v1/incidents/{id}/actions", "/api/v1/incidents/@/actions", "viewer", null,
          Playbooks::incident),
      new Route("POST", "/api/v1/incidents/{id}/actions/dry-run", "/api/v1/incidents/@/actions/dry-run", "operator",
          "{\"action\":\"freeze-policy\",\"params\":{\"policy\":\"pb-@\"}}", Playbooks::incident),
      new Route("POST", "/api/v1/incidents/{id}/actions/execute", "/api/v1/incidents/@/actions/execute", "operator",
          "{\"action\":\"freeze-policy\",\"params\":{\"policy\":\"pb-@\"},\"reason\":\"matrix\"}",
          Playbooks::incident),
      new Route("GET", "/api/v1/incidents/{id}/actions/history", "/api/v1/incidents/@/actions/history", "viewer",
          null, Playbooks::incident),
      // '@' is "{incident}/actions/{execution}"; the matrix admin did not request these, so four-eyes lets it approve
      new Route("POST", "/api/v1/incidents/{id}/actions/{execution}/approve", "/api/v1/incidents/@/approve", "admin",
          "{\"reason\":\"matrix\"}", () -> Playbooks.execution(true)),
      new Route("POST", "/api/v1/incidents/{id}/actions/{execution}/cancel", "/api/v1/incidents/@/cancel", "operator",
          "{\"reason\":\"matrix\"}", () -> Playbooks.execution(true)),
      new Route("POST", "/api/v1/incidents/{id}/actions/{execution}/rollback", "/api/v1/incidents/@/rollback",
          "operator", "{\"reason\":\"matrix\"}", () -> Playbooks.execution(false)),
      new Route("GET", "/api/v1/audit", "/api/v1/audit?afterSeq=0&limit=5", "viewer", null),
      new Route("GET", "/api/v1/audit/verify", "/api/v1/audit/verify", "viewer", null),
      new Route("GET", "/api/v1/cluster", "/api/v1/cluster", "viewer", null),
      new Route("GET", "/api/v1/events", "/api/v1/events?lastEventId=0", "viewer", null, true),
      new Route("POST", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/p.max", "viewer",
          "{\"context\":{\"targetingKey\":\"u-1\"}}"),
      new Route("POST", "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags", "viewer",
          "{\"context\":{\"targetingKey\":\"u-1\"}}"),
      new Route("GET", "/openapi.json", "/openapi.json", null, null),
      new Route("POST", "/api/v1/scenarios", "/api/v1/scenarios", "operator", "{\"id\":\"s-#\"}"),
      new Route("GET", "/api/v1/scenarios", "/api/v1/scenarios", "viewer", null),
      new Route("GET", "/api/v1/scenarios/{id}", "/api/v1/scenarios/@", "viewer", null, Evidence::ready),
      new Route("POST", "/api/v1/scenarios/{id}/runs", "/api/v1/scenarios/@/runs", "operator",
          "[{\"passed\":true},{\"passed\":false,\"durationMs\":#}]", Evidence::ready),
      new Route("GET", "/api/v1/scenarios/{id}/eligibility", "/api/v1/scenarios/@/eligibility", "viewer", null,
          Evidence::ready),
      new Route("POST", "/api/v1/promotions", "/api/v1/promotions", "operator",
          "{\"scenario\":\"@\",\"policy\":\"@\",\"delta\":{\"max\":#},\"reason\":\"matrix\"}", Evidence::ready),
      new Route("GET", "/api/v1/promotions", "/api/v1/promotions?policy=p", "viewer", null),
      new Route("GET", "/api/v1/promotions/{id}", "/api/v1/promotions/@", "viewer", null, Evidence::promoted),
      new Route("POST", "/api/v1/promotions/{id}/rollback", "/api/v1/promotions/@/rollback", "operator",
          "{\"reason\":\"matrix\"}", Evidence::promoted),
      new Route("GET", "/api/v1/policies/{name}/apply-stats", "/api/v1/policies/p/apply-stats?since=1h", "viewer", null),
      new Route("POST", "/api/v1/policies/{name}/failed-proposals", "/api/v1/policies/p/failed-proposals", "operator",
          "{\"reason\":\"matrix #\"}"),
      new Route("POST", "/api/v1/gate", "/api/v1/gate", "operator", "{\"policy\":\"p\"}"));

  /** Fresh evidence: a policy and an eligible scenario of the same name, or a promotion on them. */
  static final class Evidence {
    private static final AtomicInteger N = new AtomicInteger();

    static String ready() {
      String name = "e" + N.incrementAndGet();
      assertThat(server.send("PUT", "/api/v1/policies/" + name, TestServer.ADMIN_TOKEN, "{\"document\":{\"max\":0}}")
          .status()).isEqualTo(201);
      assertThat(server.send("POST", "/api/v1/scenarios", TestServer.ADMIN_TOKEN,
          "{\"id\":\"" + name + "\",\"minRuns\":1,\"window\":1}").status()).isEqualTo(201);
      assertThat(server.send("POST", "/api/v1/scenarios/" + name + "/runs", TestServer.ADMIN_TOKEN,
          "{\"passed\":true}").status()).isEqualTo(200);
      return name;
    }

    static String promoted() {
      String name = ready();
      var r = server.send("POST", "/api/v1/promotions", TestServer.ADMIN_TOKEN,
          "{\"scenario\":\"" + name + "\",\"policy\":\"" + name + "\",\"delta\":{\"max\":1}}");
      assertThat(r.status()).as("%s", r).isEqualTo(201);
      return r.json().path("id").asText();
    }
  }

  /** The five kinds of caller every route is tried with. */
  enum Caller {
    NO_TOKEN(null), UNKNOWN_TOKEN(null), VIEWER("viewer"), OPERATOR("operator"), ADMIN("admin");

    final String role;

    Caller(String role) {
      this.role = role;
    }

    /** What the matrix says this caller gets from {@code route}: 0 stands for any 2xx. */
    int expected(Route route) {
      if (route.role() == null) {
        return 200;
      }
      if (role == null) {
        return 401;
      }
      return ROLES.indexOf(role) < ROLES.indexOf(route.role()) ? 403 : 0;
    }
  }

  private static final List<String> ROLES = List.of("viewer", "operator", "admin");
  private static TestServer server;
  private static final java.util.Map<String, String> TOKENS = new java.util.HashMap<>();

  @BeforeAll
  static void start() {
    server = TestServer.start();
    for (String role : ROLES) {
      TOKENS.put(role, server.token("matrix-" + role, role));
    }
    assertThat(server.send("PUT", "/api/v1/policies/p", TestServer.ADMIN_TOKEN, "{\"document\":{\"max\":0}}").status())
        .isEqualTo(201);
    assertThat(Rollouts.progressing()).isEqualTo("r-1"); // read, evaluated and reported on, never changed
  }

  /**
   * Fresh state for the routes whose success uses it up: an action moves a rollout out of the phase
   * it needs, and a policy holds at most one active rollout. Each is made by the bootstrap admin
   * ("admin"), never by a matrix token, and is not policy {@code p}.
   */
  static final class Rollouts {
    private static final AtomicInteger POLICIES = new AtomicInteger();

    /** A new policy without a rollout. */
    static String policy() {
      int n = POLICIES.incrementAndGet();
      String name = n == 1 ? "r" : "r" + n;
      var r = server.send("PUT", "/api/v1/policies/" + name, TestServer.ADMIN_TOKEN, "{\"document\":{\"max\":0}}");
      assertThat(r.status()).as("%s", r).isEqualTo(201);
      return name;
    }

    /** A new PROGRESSING rollout at its first stage, on a new policy. */
    static String progressing() {
      var r = server.send("POST", "/api/v1/rollouts", TestServer.ADMIN_TOKEN,
          "{\"policy\":\"" + policy() + "\",\"delta\":{\"max\":1},\"reason\":\"matrix\"}");
      assertThat(r.status()).as("%s", r).isEqualTo(201);
      return r.json().path("id").asText();
    }

    /** A new PAUSED rollout. */
    static String paused() {
      String id = progressing();
      var r = server.send("POST", "/api/v1/rollouts/" + id + "/pause", TestServer.ADMIN_TOKEN, "{\"reason\":\"matrix\"}");
      assertThat(r.status()).as("%s", r).isEqualTo(200);
      return id;
    }
  }

  /** A new incident of its own key, moved by {@code first} when given; made straight in the store. */
  static final class Incidents {
    private static final AtomicInteger KEYS = new AtomicInteger();

    static String in(io.rollgate.incident.Action first) {
      var signaled = server.server().incidents().signal(new io.rollgate.incident.Signal(
          io.rollgate.incident.Kind.BUDGET, io.rollgate.incident.Severity.SEV3, "matrix-" + KEYS.incrementAndGet(),
          "matrix budget exceeded", null));
      long id = signaled.incident().id();
      if (first != null) {
        server.server().incidents().store().act(id, first, "admin", "matrix");
      }
      return Long.toString(id);
    }
  }

  /** A fresh incident whose number N also names a fresh policy pb-N with two versions; or an execution on it. */
  static final class Playbooks {
    static String incident() {
      String id = Incidents.in(null);
      var name = io.rollgate.policy.PolicyName.of("pb-" + id);
      var policies = server.server().policies();
      policies.put(name, io.rollgate.json.Json.object().put("v", 1), "matrix", "matrix-setup");
      policies.put(name, io.rollgate.json.Json.object().put("v", 2), "matrix", "matrix-setup");
      return id;
    }

    /** "{incident}/actions/{execution}": a revert awaiting approval, or a succeeded (undoable) freeze. */
    static String execution(boolean awaiting) {
      String id = incident();
      var params = io.rollgate.json.Json.object().put("policy", "pb-" + id);
      var action = awaiting ? io.rollgate.incident.playbook.ActionType.REVERT_POLICY
          : io.rollgate.incident.playbook.ActionType.FREEZE_POLICY;
      if (awaiting) {
        params.put("toVersion", 1);
      }
      var e = server.server().playbooks().execute(Long.parseLong(id), action, params, "matrix", "matrix-requester");
      return id + "/actions/" + e.id();
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /**
   * Every test starts in a fresh failed-authentication window (no test here fails more than a few
   * times), so the limit never turns an expected 401 into a 429.
   */
  @BeforeEach
  void freshRateLimitWindow() {
    server.clock().advance(AuthLimits.DEFAULTS.window().plusSeconds(1));
  }

  static Stream<Arguments> everyRouteAndCaller() {
    return MATRIX.stream().flatMap(r -> Stream.of(Caller.values()).map(c -> Arguments.of(r, c)));
  }

  static Stream<Route> publicRoutes() {
    return MATRIX.stream().filter(r -> r.role() == null);
  }

  private static void assumeRegistered(Route route) {
    assumeTrue(LiveRoutes.of(server.server().app()).containsKey(route.method() + " " + route.template()),
        route + " is not registered on this build; the route-table test names it");
  }

  private static String authorization(Caller caller) {
    return switch (caller) {
      case NO_TOKEN -> null;
      case UNKNOWN_TOKEN -> "Bearer rg_not-a-token-that-exists-anywhere";
      default -> "Bearer " + TOKENS.get(caller.role);
    };
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("everyRouteAndCaller")
  void every_route_answers_every_caller_as_the_matrix_says(Route route, Caller caller) {
    assumeRegistered(route);
    Call call = route.prepare();
    long head = server.journalHead();
    long version = policyVersion();

    var r = callWith(call, authorization(caller));

    int expected = caller.expected(route);
    if (expected == 0) {
      assertThat(r.status()).as("%s", r).isBetween(200, 299);
    } else {
      assertThat(r.status()).as("%s", r).isEqualTo(expected);
    }
    if (expected >= 400) {
      refusal(route, r);
      assertRefusedWithNothingJournaled(head, version);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("publicRoutes")
  void a_public_route_ignores_the_authorization_header_and_never_counts_it_as_a_failure(Route route) {
    assumeRegistered(route);
    for (int i = 0; i < AuthLimits.DEFAULTS.maxFailures() + 5; i++) {
      for (String auth : List.of("Bearer rg_guess-" + i, "Basic " + TOKENS.get("admin"), "Bearer", "x".repeat(1000))) {
        var r = callWith(route.prepare(), auth);
        assertThat(r.status()).as("%s with Authorization %s", r, auth.substring(0, Math.min(auth.length(), 20)))
            .isEqualTo(200);
      }
    }

    var protectedRoute = server.get("/api/v1/policies", TOKENS.get("viewer"));
    assertThat(protectedRoute.status()).as("not limited: %s", protectedRoute).isEqualTo(200);
  }

  static Stream<Route> protectedRoutes() {
    return MATRIX.stream().filter(r -> r.role() != null);
  }

  /** Every (route, role) pair where the role is below the one the route needs. */
  static Stream<Arguments> underPrivileged() {
    return protectedRoutes().flatMap(r -> ROLES.subList(0, ROLES.indexOf(r.role())).stream()
        .map(role -> Arguments.of(r, role)));
  }

  /** Calls with {@code Authorization: Bearer <token>}, or none when the token is null. */
  private TestServer.Response call(Call c, String token) {
    return callWith(c, token == null ? null : "Bearer " + token);
  }

  /** Calls with exactly this Authorization header value (null: no header); an event stream is closed after its headers. */
  private TestServer.Response callWith(Call c, String authorization) {
    return HttpProbe.send(HttpProbe.request(server, c.route().method(), c.path(), authorization, c.body()).build());
  }

  private static boolean ofrep(Route route) {
    return route.template().startsWith("/ofrep/");
  }

  /** Checks the refusal's shape and returns its message: OFREP's error body on /ofrep/, a problem document elsewhere. */
  private static String refusal(Route route, TestServer.Response r) {
    if (ofrep(route)) {
      assertThat(r.contentType()).as("%s", r).startsWith("application/json");
      assertThat(r.json().path("errorCode").asText()).as("%s", r).isEqualTo("GENERAL");
      return r.json().path("errorDetails").asText();
    }
    assertThat(r.contentType()).as("%s", r).startsWith(Problem.MEDIA_TYPE);
    return r.json().path("detail").asText();
  }

  private static void assertRefusedWithNothingJournaled(long headBefore, long versionBefore) {
    assertThat(server.journalHead()).as("journal head").isEqualTo(headBefore);
    assertThat(policyVersion()).isEqualTo(versionBefore);
  }

  private static long policyVersion() {
    return server.server().policies().get(io.rollgate.policy.PolicyName.of("p")).orElseThrow().version();
  }

  @Test
  void the_matrix_lists_every_registered_route_with_the_role_it_is_registered_with() {
    Map<String, String> registered = LiveRoutes.of(server.server().app());
    Map<String, String> matrix = MATRIX.stream().collect(Collectors.toMap(r -> r.method() + " " + r.template(),
        r -> r.role() == null ? "" : r.role(), (a, b) -> a, java.util.TreeMap::new));
    assertThat(registered).isEqualTo(matrix);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("protectedRoutes")
  void a_request_without_a_token_is_a_401_with_www_authenticate_and_journals_nothing(Route route) {
    assumeRegistered(route);
    Call call = route.prepare();
    long head = server.journalHead();
    long version = policyVersion();

    var r = call(call, null);

    assertThat(r.status()).as("%s", r).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    String detail = refusal(route, r);
    if (ofrep(route)) { // OFREP also takes the token as X-API-Key, and says so
      assertThat(detail).contains("missing token").contains("'X-API-Key: <token>'");
    } else {
      assertThat(r.json().path("field").asText()).isEqualTo("Authorization");
      assertThat(detail).contains("missing bearer token");
    }
    assertRefusedWithNothingJournaled(head, version);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("protectedRoutes")
  void an_unknown_token_or_another_scheme_is_a_401_and_journals_nothing(Route route) {
    assumeRegistered(route);
    Call call = route.prepare();
    long head = server.journalHead();
    long version = policyVersion();

    var unknown = call(call, "rg_not-a-token-that-exists-anywhere");
    assertThat(unknown.status()).as("%s", unknown).isEqualTo(401);
    assertThat(unknown.header("WWW-Authenticate")).isPresent();
    assertThat(refusal(route, unknown)).isEqualTo("unknown or revoked token");

    var basic = callWith(call, "Basic " + TOKENS.get("admin"));
    assertThat(basic.status()).as("%s", basic).isEqualTo(401);
    assertThat(basic.header("WWW-Authenticate")).isPresent();
    assertRefusedWithNothingJournaled(head, version);
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("underPrivileged")
  void a_role_below_the_routes_is_a_403_naming_the_role_needed_and_journals_nothing(Route route, String role) {
    assumeRegistered(route);
    Call call = route.prepare();
    long head = server.journalHead();
    long version = policyVersion();

    var r = call(call, TOKENS.get(role));

    assertThat(r.status()).as("%s", r).isEqualTo(403);
    assertThat(r.contentType()).startsWith(Problem.MEDIA_TYPE);
    assertThat(r.json().path("detail").asText()).isEqualTo("token 'matrix-" + role + "' has role " + role + "; "
        + route.method() + " " + route.template() + " needs " + route.role());
    assertRefusedWithNothingJournaled(head, version);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("protectedRoutes")
  void the_routes_own_role_is_let_through(Route route) {
    assumeRegistered(route);
    var r = call(route.prepare(), TOKENS.get(route.role()));

    assertThat(r.status()).as("%s", r).isBetween(200, 299);
  }

  @Test
  void health_needs_no_token() {
    assertThat(server.get("/health", null).status()).isEqualTo(200);
  }

  @Test
  void the_matrix_has_every_route_of_the_openapi_document_with_the_same_role() {
    Map<String, String> matrix = MATRIX.stream().collect(Collectors.toMap(r -> r.method() + " " + r.template(),
        r -> r.role() == null ? "" : r.role(), (a, b) -> a, java.util.TreeMap::new));
    Map<String, String> documented = OpenApiDocument.load().operations().stream().collect(Collectors.toMap(
        OpenApiDocument.Operation::key, o -> o.role() == null ? "" : o.role(), (a, b) -> a, java.util.TreeMap::new));
    assertThat(matrix).isEqualTo(documented);
  }
}
