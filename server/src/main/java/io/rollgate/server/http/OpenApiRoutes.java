package io.rollgate.server.http;

import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the hand-written OpenAPI 3.1 description of this API, a resource next to
 * this class. OpenApiTest keeps it honest: it must parse as OpenAPI 3.1, list exactly the routes the
 * router has with the roles they are registered with, and describe the bodies the routes answer.
 */
final class OpenApiRoutes {
  static final String RESOURCE = "openapi.json";
  private final byte[] document;

  OpenApiRoutes() {
    try (InputStream in = OpenApiRoutes.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is missing from the classpath");
      }
      document = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the OpenAPI document " + RESOURCE, e);
    }
  }

  void register(Javalin app) {
    app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(document)); // public
  }
}
