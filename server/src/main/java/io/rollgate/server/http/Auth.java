package io.rollgate.server.http;

import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import io.rollgate.store.token.Principal;
import io.rollgate.store.token.TokenStore;

/** Bearer-token authentication and role checks, run before every matched route that names a role. */
final class Auth {
  private static final String PRINCIPAL = "rollgate.principal";
  private final TokenStore tokens;

  Auth(TokenStore tokens) {
    this.tokens = tokens;
  }

  void check(Context ctx) {
    Access required = null;
    for (RouteRole r : ctx.routeRoles()) {
      if (r instanceof Access a) {
        required = a;
      }
    }
    if (required == null) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null || header.isBlank()) {
      throw ApiException.unauthorized("missing bearer token: send 'Authorization: Bearer <token>'");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw ApiException.unauthorized("the Authorization header must use the Bearer scheme");
    }
    Principal p = tokens.authenticate(header.substring(7).trim())
        .orElseThrow(() -> ApiException.unauthorized("unknown or revoked token"));
    if (!p.role().includes(required.role)) {
      throw ApiException.forbidden("token '" + p.name() + "' has role " + p.role().wire() + "; "
          + ctx.method() + " " + ctx.endpointHandlerPath() + " needs " + required.role.wire());
    }
    ctx.attribute(PRINCIPAL, p);
  }

  static Principal principal(Context ctx) {
    Principal p = ctx.attribute(PRINCIPAL);
    if (p == null) {
      throw new IllegalStateException("route has no role, so no principal: " + ctx.endpointHandlerPath());
    }
    return p;
  }
}
