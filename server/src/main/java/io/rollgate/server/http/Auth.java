package io.rollgate.server.http;

import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import io.rollgate.store.token.Principal;
import io.rollgate.store.token.TokenStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer-token authentication and role checks, run before every matched route that names a role.
 * Routes registered with {@link Access#VIEWER_OR_API_KEY} (OFREP) also take the token from
 * {@code X-API-Key}, counted by the same failed-authentication limit.
 * Routes without a role are public and ignore the Authorization header entirely (no check, no
 * counting, no limit). A presented credential that does not authenticate (another scheme, an
 * unknown token) counts as a failure for the client's address; an address over the limit gets 429
 * for any request that carries a credential, without the credential being looked at.
 * No token or header value is ever logged or echoed.
 */
final class Auth {
  private static final Logger log = LoggerFactory.getLogger(Auth.class);
  private static final String PRINCIPAL = "rollgate.principal";
  /** OFREP's API key header; only routes with {@link Access#apiKey} read it. */
  static final String API_KEY = "X-API-Key";
  private final TokenStore tokens;
  private final AuthFailureLimiter failures;

  Auth(TokenStore tokens, AuthFailureLimiter failures) {
    this.tokens = tokens;
    this.failures = failures;
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
    String apiKey = required.apiKey ? ctx.header(API_KEY) : null;
    boolean hasHeader = header != null && !header.isBlank();
    if (!hasHeader && (apiKey == null || apiKey.isBlank())) {
      // not an attempt to guess anything, so not counted
      throw ApiException.unauthorized(required.apiKey
          ? "missing token: send 'Authorization: Bearer <token>' or 'X-API-Key: <token>'"
          : "missing bearer token: send 'Authorization: Bearer <token>'");
    }
    refuseIfLimited(ctx);
    String token;
    if (hasHeader) { // Authorization wins when both are sent
      if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw failedCredential(ctx, "the Authorization header must use the Bearer scheme");
      }
      token = header.substring(7).trim();
    } else {
      token = apiKey.trim();
    }
    var principal = tokens.authenticate(token);
    if (principal.isEmpty()) {
      throw failedCredential(ctx, "unknown or revoked token");
    }
    Principal p = principal.get();
    if (!p.role().includes(required.role)) {
      throw ApiException.forbidden("token '" + p.name() + "' has role " + p.role().wire() + "; "
          + ctx.method() + " " + ctx.endpointHandlerPath() + " needs " + required.role.wire());
    }
    ctx.attribute(PRINCIPAL, p);
  }

  /**
   * For a route that checks its own credential ({@code /metrics} with a metrics token): refuses an
   * address over the failed-authentication limit with 429, before the credential is looked at.
   */
  void refuseIfLimited(Context ctx) {
    if (failures.check(address(ctx)) instanceof AuthFailureLimiter.Verdict.Limited limited) {
      throw ApiException.tooManyFailedAuthentications(limited.failures(), failures.limits().window().toSeconds(),
          limited.retryAfterSeconds());
    }
  }

  /** Counts a credential that did not authenticate against the client's address, and refuses it with 401. */
  ApiException failedCredential(Context ctx, String detail) {
    failed(address(ctx));
    return ApiException.unauthorized(detail);
  }

  /** The peer address, never X-Forwarded-For: a client could write any address there. */
  private static String address(Context ctx) {
    return ctx.req().getRemoteAddr();
  }

  private void failed(String address) {
    if (failures.recordFailure(address) instanceof AuthFailureLimiter.Verdict.Limited limited) {
      log.warn("{} failed authentications from {} within {} s: refusing its requests that carry a token for {} s",
          limited.failures(), address, failures.limits().window().toSeconds(), limited.retryAfterSeconds());
    }
  }

  static Principal principal(Context ctx) {
    Principal p = ctx.attribute(PRINCIPAL);
    if (p == null) {
      throw new IllegalStateException("route has no role, so no principal: " + ctx.endpointHandlerPath());
    }
    return p;
  }
}
