package io.rollgate.server.http;

import io.javalin.security.RouteRole;
import io.rollgate.store.token.Role;

/** The role a route requires; routes without one are public (health, metrics). */
enum Access implements RouteRole {
  VIEWER(Role.VIEWER), OPERATOR(Role.OPERATOR), ADMIN(Role.ADMIN);

  final Role role;

  Access(Role role) {
    this.role = role;
  }
}
