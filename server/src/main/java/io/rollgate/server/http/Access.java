package io.rollgate.server.http;

import io.javalin.security.RouteRole;
import io.rollgate.store.token.Role;

/** The role a route requires; routes without one are public (health, metrics). */
enum Access implements RouteRole {
  VIEWER(Role.VIEWER, false), OPERATOR(Role.OPERATOR, false), ADMIN(Role.ADMIN, false),
  /** Viewer, with the token also accepted in {@code X-API-Key}, as OFREP clients send it (the /ofrep routes only). */
  VIEWER_OR_API_KEY(Role.VIEWER, true);

  final Role role;
  /** The token may come in {@code X-API-Key} instead of {@code Authorization: Bearer}. */
  final boolean apiKey;

  Access(Role role, boolean apiKey) {
    this.role = role;
    this.apiKey = apiKey;
  }
}
