package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import io.javalin.router.ParsedEndpoint;
import io.rollgate.server.testing.TestServer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invariant 7, route by route: a missing or unknown token is a 401 with WWW-Authenticate, a role
 * below the route's is a 403 naming the role needed, the route's own role gets through, and a
 * refused request journals nothing. The matrix is checked against the routes actually registered,
 * so a new route cannot be added without a row here.
 */
class AuthorizationMatrixTest {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  /** One route: as registered, as called, the role DESIGN.md §5 gives it (null = public), and a valid body. */
  record Route(String method, String template, String path, String role, String body) {
    String concreteBody() {
      return body == null ? null : body.replace("#", Integer.toString(COUNTER.incrementAndGet()));
    }

    @Override
    public String toString() {
      return method + " " + template;
    }
  }

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
      new Route("GET", "/api/v1/audit", "/api/v1/audit?afterSeq=0&limit=5", "viewer", null),
      new Route("GET", "/api/v1/audit/verify", "/api/v1/audit/verify", "viewer", null));

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
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Stream<Route> protectedRoutes() {
    return MATRIX.stream().filter(r -> r.role() != null);
  }

  /** Every (route, role) pair where the role is below the one the route needs. */
  static Stream<Arguments> underPrivileged() {
    return protectedRoutes().flatMap(r -> ROLES.subList(0, ROLES.indexOf(r.role())).stream()
        .map(role -> Arguments.of(r, role)));
  }

  private TestServer.Response call(Route r, String token) {
    return server.send(r.method(), r.path(), token, r.concreteBody());
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
    Javalin app = server.server().app();
    Set<String> registered = app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
        .map(ParsedEndpoint::getEndpoint)
        .filter(e -> e.getMethod().isHttpMethod())
        .map(e -> e.getMethod().name() + " " + e.getPath() + " " + e.getRoles().stream()
            .map(role -> ((Access) role).role.wire()).sorted().collect(Collectors.joining(",")))
        .collect(Collectors.toSet());
    Set<String> matrix = MATRIX.stream()
        .map(r -> r.method() + " " + r.template() + " " + (r.role() == null ? "" : r.role()))
        .collect(Collectors.toSet());
    assertThat(registered).isEqualTo(matrix);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("protectedRoutes")
  void a_request_without_a_token_is_a_401_with_www_authenticate_and_journals_nothing(Route route) {
    long head = server.journalHead();
    long version = policyVersion();

    var r = call(route, null);

    assertThat(r.status()).as("%s", r).isEqualTo(401);
    assertThat(r.header("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(r.contentType()).startsWith(Problem.MEDIA_TYPE);
    assertThat(r.json().path("field").asText()).isEqualTo("Authorization");
    assertThat(r.json().path("detail").asText()).contains("missing bearer token");
    assertRefusedWithNothingJournaled(head, version);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("protectedRoutes")
  void an_unknown_token_or_another_scheme_is_a_401_and_journals_nothing(Route route) {
    long head = server.journalHead();
    long version = policyVersion();

    var unknown = call(route, "rg_not-a-token-that-exists-anywhere");
    assertThat(unknown.status()).as("%s", unknown).isEqualTo(401);
    assertThat(unknown.header("WWW-Authenticate")).isPresent();
    assertThat(unknown.json().path("detail").asText()).isEqualTo("unknown or revoked token");

    var basic = server.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + route.path()))
        .header("Authorization", "Basic " + TOKENS.get("admin"))
        .method(route.method(), route.body() == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofString(route.concreteBody()))
        .build());
    assertThat(basic.status()).as("%s", basic).isEqualTo(401);
    assertThat(basic.header("WWW-Authenticate")).isPresent();
    assertRefusedWithNothingJournaled(head, version);
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("underPrivileged")
  void a_role_below_the_routes_is_a_403_naming_the_role_needed_and_journals_nothing(Route route, String role) {
    long head = server.journalHead();
    long version = policyVersion();

    var r = call(route, TOKENS.get(role));

    assertThat(r.status()).as("%s", r).isEqualTo(403);
    assertThat(r.contentType()).startsWith(Problem.MEDIA_TYPE);
    assertThat(r.json().path("detail").asText()).isEqualTo("token 'matrix-" + role + "' has role " + role + "; "
        + route.method() + " " + route.template() + " needs " + route.role());
    assertRefusedWithNothingJournaled(head, version);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("protectedRoutes")
  void the_routes_own_role_is_let_through(Route route) {
    var r = call(route, TOKENS.get(route.role()));

    assertThat(r.status()).as("%s", r).isBetween(200, 299);
  }

  @Test
  void health_needs_no_token() {
    assertThat(server.get("/health", null).status()).isEqualTo(200);
  }
}
