package io.rollgate.server.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.rollgate.error.ConflictException;
import io.rollgate.error.ForbiddenException;
import io.rollgate.error.IntegrityException;
import io.rollgate.error.InvalidInputException;
import io.rollgate.error.NotFoundException;
import io.rollgate.error.SaturatedException;
import io.rollgate.json.Json;
import io.rollgate.store.journal.JournalException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where exceptions become RFC 9457 problem documents (or, under /ofrep/, OFREP error
 * bodies). No stack trace reaches a client.
 */
final class ProblemMapper {
  private static final Logger log = LoggerFactory.getLogger(ProblemMapper.class);

  private ProblemMapper() {}

  static void install(Javalin app) {
    app.exception(InvalidInputException.class, (e, ctx) ->
        send(ctx, Problem.of(400, "invalid-input", "Invalid input", e.getMessage(), ctx.path(), e.field())));
    app.exception(NotFoundException.class, (e, ctx) ->
        send(ctx, Problem.of(404, "not-found", "Not found", e.getMessage(), ctx.path(), null)));
    app.exception(ConflictException.class, (e, ctx) ->
        send(ctx, Problem.of(409, "conflict", "Conflict", e.getMessage(), ctx.path(), null)));
    app.exception(ForbiddenException.class, (e, ctx) ->
        send(ctx, Problem.of(403, "forbidden", "Forbidden", e.getMessage(), ctx.path(), null)));
    app.exception(SaturatedException.class, (e, ctx) -> {
      long retry = Math.max(1, e.retryAfter().toSeconds());
      ctx.header("Retry-After", Long.toString(retry));
      send(ctx, new Problem(Problem.BASE + "journal-saturated", "Journal saturated", 503, e.getMessage(),
          ctx.path(), null, retry));
    });
    app.exception(IntegrityException.class, (e, ctx) -> {
      log.error("integrity failure on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
      send(ctx, Problem.of(500, "verification-failed", "Verification failed", e.getMessage(), ctx.path(), null));
    });
    app.exception(JournalException.class, (e, ctx) -> {
      log.error("journal unavailable on {} {}", ctx.method(), ctx.path(), e);
      ctx.header("Retry-After", "5");
      send(ctx, new Problem(Problem.BASE + "journal-unavailable", "Journal unavailable", 503,
          (e.outcomeUnknown() ? "the outcome is unknown, check the audit journal before retrying: "
              : "nothing was recorded: ") + e.getMessage(), ctx.path(), null, 5L));
    });
    app.exception(ApiException.class, (e, ctx) -> {
      if (e.status == 401) {
        ctx.header("WWW-Authenticate", "Bearer realm=\"rollgate\"");
      }
      if (e.retryAfterSeconds != null) {
        ctx.header("Retry-After", Long.toString(e.retryAfterSeconds));
      }
      send(ctx, new Problem(Problem.BASE + e.slug, e.title, e.status, e.getMessage(), ctx.path(), e.field,
          e.retryAfterSeconds));
    });
    app.exception(HttpResponseException.class, (e, ctx) -> {
      int status = e.getStatus();
      String[] slugTitle = switch (status) {
        case 400 -> new String[] {"invalid-input", "Invalid input"};
        case 404 -> new String[] {"not-found", "Not found"};
        case 405 -> new String[] {"method-not-allowed", "Method not allowed"};
        case 413 -> new String[] {"body-too-large", "Request body too large"};
        default -> new String[] {"http-" + status, "HTTP " + status};
      };
      String detail = e.getMessage();
      if (status == 405) {
        String allowed = allowedMethods(e);
        if (allowed != null) {
          ctx.header("Allow", allowed);
        }
        detail = ctx.method() + " is not allowed on " + ctx.path() + (allowed == null ? "" : "; allowed: " + allowed);
      }
      send(ctx, Problem.of(status, slugTitle[0], slugTitle[1], detail, ctx.path(),
          status == 413 ? "body" : null));
    });
    app.exception(Exception.class, (e, ctx) -> {
      String lost = databaseUnavailable(e);
      if (lost != null) { // a restart or failover of the database: the pools reconnect, the client retries
        log.warn("database unavailable on {} {}: {}", ctx.method(), ctx.path(), lost);
        ctx.header("Retry-After", "5");
        send(ctx, new Problem(Problem.BASE + "database-unavailable", "Database unavailable", 503,
            "the database cannot be reached right now; retry: " + lost, ctx.path(), null, 5L));
        return;
      }
      log.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
      send(ctx, Problem.of(500, "internal", "Internal error",
          "an unexpected error occurred; the server log has the details", ctx.path(), null));
    });
    app.error(404, ctx -> {
      if (!isProblem(ctx)) {
        send(ctx, Problem.of(404, "not-found", "Not found",
            "no route for " + ctx.method() + " " + ctx.path(), ctx.path(), null));
      }
    });
    app.error(405, ctx -> {
      if (!isProblem(ctx)) {
        send(ctx, Problem.of(405, "method-not-allowed", "Method not allowed",
            ctx.method() + " is not allowed on " + ctx.path(), ctx.path(), null));
      }
    });
  }

  /**
   * The reason, when {@code e} was caused by a lost or refused database connection (SQLSTATE class 08,
   * connection exception; 57P01-57P03, the server shutting down or starting; a pool timeout), else null.
   */
  static String databaseUnavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.sql.SQLTransientConnectionException) {
        return t.getMessage();
      }
      if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
        return "SQLSTATE " + sql.getSQLState() + ": " + sql.getMessage();
      }
    }
    return null;
  }

  /** Javalin names the methods a path does have in the 405's details (the key depends on content negotiation). */
  private static String allowedMethods(HttpResponseException e) {
    String v = e.getDetails().getOrDefault("availableMethods", e.getDetails().get("Available methods"));
    return v == null || v.isBlank() ? null : v.replaceAll("[\\[\\]]", "");
  }

  /** The handler already answered with an error body: a problem document, or OFREP's FLAG_NOT_FOUND. */
  private static boolean isProblem(Context ctx) {
    String ct = ctx.res().getContentType();
    return ct != null && (ct.startsWith(Problem.MEDIA_TYPE)
        || OfrepRoutes.handles(ctx) && ct.startsWith("application/json")
        || ctx.path().startsWith("/ui") && ct.startsWith("text/")); // the dashboard's own error pages
  }

  /**
   * As UTF-8 bytes: {@code result(String)} would encode with the response's default charset, ISO-8859-1.
   * Under /ofrep/ the same refusal goes out in OFREP's error shape, which its clients parse.
   */
  static void send(Context ctx, Problem p) {
    if (OfrepRoutes.handles(ctx)) {
      OfrepRoutes.sendError(ctx, p.status(), p.detail());
      return;
    }
    ctx.status(p.status()).contentType(Problem.MEDIA_TYPE)
        .result(Json.write(p).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
