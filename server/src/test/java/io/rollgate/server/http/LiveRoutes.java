package io.rollgate.server.http;

import io.javalin.Javalin;
import io.javalin.router.ParsedEndpoint;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The routes the running Javalin router has: "METHOD /template" → role ("" for public). */
final class LiveRoutes {
  private LiveRoutes() {}

  static Map<String, String> of(Javalin app) {
    var routes = new TreeMap<String, String>();
    for (ParsedEndpoint p : app.unsafeConfig().pvt.internalRouter.allHttpHandlers()) {
      var e = p.getEndpoint();
      // the web dashboard's /ui pages are not API operations (cookie sessions, not in openapi.json)
      if (e.getMethod().isHttpMethod() && !e.getPath().startsWith("/ui")) {
        routes.put(e.getMethod().name() + " " + e.getPath(), e.getRoles().stream()
            .map(role -> ((Access) role).role.wire()).sorted().collect(Collectors.joining(",")));
      }
    }
    return routes;
  }
}
