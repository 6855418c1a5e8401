package io.rollgate.server.http;

import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.rollgate.json.Json;
import io.rollgate.server.events.EventHub;
import io.rollgate.server.events.EventStreamHandler;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.token.TokenStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Javalin application: configuration first, then every route in one place. */
public final class HttpApi {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  public static final long MAX_BODY_BYTES = 1024 * 1024;
  /**
   * How long stopping the server waits for requests in flight. Without it Jetty closes their
   * connections at once while their commands still commit, so a change applied during shutdown is
   * reported to its client as a dropped connection. Short enough for an orchestrator's kill timeout.
   */
  public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

  private HttpApi() {}

  /** What the routes need; one record so that a new component is one new field, not a new parameter everywhere. */
  public record Services(Database db, Journal journal, PolicyStore policies, TokenStore tokens, JournalReader reader,
      EventHub events) {
    public Services {
      java.util.Objects.requireNonNull(db, "db");
      java.util.Objects.requireNonNull(journal, "journal");
      java.util.Objects.requireNonNull(policies, "policies");
      java.util.Objects.requireNonNull(tokens, "tokens");
      java.util.Objects.requireNonNull(reader, "reader");
      java.util.Objects.requireNonNull(events, "events");
    }
  }

  public static Javalin create(Services services) {
    Database db = services.db();
    Journal journal = services.journal();
    Javalin app = Javalin.create(config -> {
      config.useVirtualThreads = true;
      config.showJavalinBanner = false;
      config.http.maxRequestSize = MAX_BODY_BYTES;
      config.http.prefer405over404 = true; // a known path with the wrong method is a 405, not a 404
      config.jetty.modifyServer(server -> {
        // graceful stop: Javalin's default server already has the StatisticsHandler that tracks
        // requests in flight; Jetty only waits for them when the stop timeout is positive
        server.setStopTimeout(SHUTDOWN_GRACE.toMillis());
        server.setErrorHandler(new JettyProblems());
      });
      config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JettyProblems()));
      config.jsonMapper(new JavalinJackson(Json.mapper(), true));
      config.requestLogger.http((ctx, ms) -> {
        if (!"GET".equals(ctx.method().name()) || ctx.status().getCode() >= 500) {
          log.info("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.status().getCode(), Math.round(ms));
        } else if (log.isDebugEnabled()) {
          log.debug("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.status().getCode(), Math.round(ms));
        }
      });
    });
    var auth = new Auth(services.tokens());
    app.beforeMatched(auth::check);
    ProblemMapper.install(app);

    app.get("/health", ctx -> {
      Map<String, Object> checks = new LinkedHashMap<>();
      String dbProblem = db.check();
      String journalProblem = journal.problem();
      checks.put("database", check(dbProblem, Map.of("dialect", db.dialect().name().toLowerCase(java.util.Locale.ROOT))));
      checks.put("journal", check(journalProblem,
          Map.of("queueDepth", journal.queueDepth(), "queueCapacity", journal.queueCapacity())));
      boolean healthy = dbProblem == null && journalProblem == null;
      ctx.status(healthy ? 200 : 503).json(Map.of("status", healthy ? "healthy" : "unhealthy", "checks", checks));
    });
    new PolicyRoutes(services.policies(), MAX_BODY_BYTES).register(app);
    new AuditRoutes(services.reader()).register(app);
    new TokenRoutes(services.tokens(), MAX_BODY_BYTES).register(app);
    app.get(EventStreamHandler.PATH, new EventStreamHandler(services.events()), Access.VIEWER);
    return app;
  }

  private static Map<String, Object> check(String problem, Map<String, Object> details) {
    var m = new LinkedHashMap<String, Object>();
    m.put("status", problem == null ? "up" : "down");
    if (problem != null) {
      m.put("problem", problem);
    }
    m.putAll(details);
    return m;
  }
}
