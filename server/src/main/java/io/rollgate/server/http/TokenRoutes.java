package io.rollgate.server.http;

import io.javalin.Javalin;
import io.rollgate.store.token.Role;
import io.rollgate.store.token.TokenStore;
import java.util.LinkedHashMap;

/** {@code POST /api/v1/tokens}: the token is in this response and nowhere else, ever. */
final class TokenRoutes {
  private final TokenStore tokens;
  private final long maxBody;

  TokenRoutes(TokenStore tokens, long maxBody) {
    this.tokens = tokens;
    this.maxBody = maxBody;
  }

  void register(Javalin app) {
    app.post("/api/v1/tokens", ctx -> {
      Body b = Body.of(ctx, maxBody, "name", "role");
      String name = b.requireText("name", 200);
      Role role = Role.parse(b.requireText("role", 20), "role");
      var created = tokens.create(name, role, Auth.principal(ctx).name());
      var body = new LinkedHashMap<String, Object>();
      body.put("id", created.id());
      body.put("name", created.name());
      body.put("role", created.role().wire());
      body.put("token", created.token());
      ctx.status(201).header("Cache-Control", "no-store").json(body);
    }, Access.ADMIN);
  }
}
