package io.rollgate.server.http;

import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.rollgate.json.Json;
import io.rollgate.server.attest.Attestor;
import io.rollgate.server.lifecycle.Lifecycle;
import io.rollgate.server.metrics.Metrics;
import io.rollgate.server.events.EventHub;
import io.rollgate.server.events.EventStreamHandler;
import io.rollgate.store.db.Database;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.token.TokenStore;
import java.time.Duration;
import java.time.InstantSource;
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

  private static final java.util.Set<String> SAFE_METHODS = java.util.Set.of("GET", "HEAD", "OPTIONS");

  private HttpApi() {}

  /** What the routes need; one record so that a new component is one new field, not a new parameter everywhere. */
  public record Services(Database db, Journal journal, PolicyStore policies, TokenStore tokens, JournalReader reader,
      Metrics metrics, Attestor attestor, Lifecycle lifecycle, InstantSource clock, AuthLimits authLimits,
      EventHub events, RolloutStore rollouts, IncidentStore incidents, io.rollgate.server.notify.IncidentSink incidentSink,
      io.rollgate.server.cluster.Cluster cluster, io.rollgate.server.incident.IncidentService incidentService,
      io.rollgate.server.playbook.PlaybookService playbooks) {
    public Services {
      java.util.Objects.requireNonNull(cluster, "cluster");
      java.util.Objects.requireNonNull(incidentService, "incidentService");
      java.util.Objects.requireNonNull(playbooks, "playbooks");
      java.util.Objects.requireNonNull(incidents, "incidents");
      java.util.Objects.requireNonNull(incidentSink, "incidentSink");
      java.util.Objects.requireNonNull(rollouts, "rollouts");
      java.util.Objects.requireNonNull(lifecycle, "lifecycle");
      java.util.Objects.requireNonNull(attestor, "attestor");
      java.util.Objects.requireNonNull(clock, "clock");
      java.util.Objects.requireNonNull(authLimits, "authLimits");
      java.util.Objects.requireNonNull(db, "db");
      java.util.Objects.requireNonNull(journal, "journal");
      java.util.Objects.requireNonNull(policies, "policies");
      java.util.Objects.requireNonNull(tokens, "tokens");
      java.util.Objects.requireNonNull(reader, "reader");
      java.util.Objects.requireNonNull(metrics, "metrics");
      java.util.Objects.requireNonNull(events, "events");
    }
  }

  public static Javalin create(Services services) {
    Database db = services.db();
    Journal journal = services.journal();
    Metrics metrics = services.metrics();
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
        metrics.observeHttp(ctx, ms);
        // OFREP evaluations are reads sent as POST, at application request rates: debug, like GETs
        if (!"GET".equals(ctx.method().name()) && !OfrepRoutes.handles(ctx) || ctx.status().getCode() >= 500) {
          log.info("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.status().getCode(), Math.round(ms));
        } else if (log.isDebugEnabled()) {
          log.debug("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.status().getCode(), Math.round(ms));
        }
      });
    });
    var failedAuth = new AuthFailureLimiter(services.authLimits(), services.clock());
    var auth = new Auth(services.tokens(), failedAuth);
    Lifecycle lifecycle = services.lifecycle();
    app.before(ctx -> {
      // OFREP's POSTs only read, so applications keep evaluating while the server drains
      if (lifecycle.draining() && !SAFE_METHODS.contains(ctx.method().name()) && !OfrepRoutes.handles(ctx)) {
        throw ApiException.draining(5);
      }
    });
    app.beforeMatched(auth::check);
    ProblemMapper.install(app);

    app.get("/health", ctx -> {
      if (lifecycle.draining()) {
        ctx.status(503).json(Map.of("status", "draining"));
        return;
      }
      Map<String, Object> checks = new LinkedHashMap<>();
      String dbProblem = db.check();
      String journalProblem = journal.problem();
      checks.put("database", check(dbProblem, Map.of("dialect", db.dialect().name().toLowerCase(java.util.Locale.ROOT))));
      checks.put("journal", check(journalProblem,
          Map.of("queueDepth", journal.queueDepth(), "queueCapacity", journal.queueCapacity())));
      Attestor.Verdict attestation = services.attestor().lastVerdict();
      checks.put("attestor", attestorCheck(attestation, services.attestor().lastSuccess()));
      checks.put("cluster", ClusterRoutes.health(services.cluster(), dbProblem == null));
      boolean healthy = dbProblem == null && journalProblem == null;
      // a failed attestation is reported but does not take the server out of rotation: reads and
      // changes still work, and what it found needs a person, not a restart by the orchestrator
      String status = !healthy ? "unhealthy" : attestation instanceof Attestor.Verdict.Failed ? "degraded" : "healthy";
      ctx.status(healthy ? 200 : 503).json(Map.of("status", status, "checks", checks));
    });
    // public unless the server has a metrics token (--metrics-token), which is then the only key;
    // wrong guesses count towards the same failed-authentication limit as API tokens
    app.get("/metrics", ctx -> {
      String authorization = ctx.header("Authorization");
      if (metrics.requiresToken()) {
        if (authorization == null || authorization.isBlank()) {
          throw ApiException.unauthorized(
              "missing bearer token: this server's /metrics needs 'Authorization: Bearer <metrics token>'");
        }
        auth.refuseIfLimited(ctx);
        if (!metrics.scrapeAllowed(authorization)) {
          throw auth.failedCredential(ctx,
              "the Authorization header does not carry this server's metrics token as a Bearer token");
        }
      }
      ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape());
    });
    var fleet = new Fleet(services.clock(), Fleet.TTL, Fleet.MAX_CLIENTS);
    fleet.register(metrics.registry());
    new PolicyRoutes(services.policies(), fleet, MAX_BODY_BYTES).register(app);
    new RolloutRoutes(services.rollouts(), services.policies(), services.clock(), MAX_BODY_BYTES).register(app);
    new AuditRoutes(services.reader()).register(app);
    var evidence = new io.rollgate.store.evidence.EvidenceStore(db, journal, services.policies());
    new EvidenceRoutes(evidence, MAX_BODY_BYTES).register(app);
    new GateRoutes(services.policies(), evidence, services.rollouts(), services.incidentService(), services.clock(),
        MAX_BODY_BYTES).register(app);
    new IncidentRoutes(services.incidents(), services.incidentSink(), MAX_BODY_BYTES).register(app);
    new PlaybookRoutes(services.playbooks(), services.incidents(), services.rollouts(), services.policies(),
        MAX_BODY_BYTES).register(app);
    new TokenRoutes(services.tokens(), MAX_BODY_BYTES).register(app);
    new SdkRoutes(db, services.reader(), services.policies(), services.rollouts(), fleet, MAX_BODY_BYTES).register(app);
    new OpenApiRoutes().register(app);
    new ClusterRoutes(services.cluster()).register(app);
    new OfrepRoutes(services.policies(), services.rollouts(), MAX_BODY_BYTES).register(app);
    app.get(EventStreamHandler.PATH, new EventStreamHandler(services.events()), Access.VIEWER);
    // the web dashboard (docs/ui.md): its own cookie sessions, no Access roles, not part of /api or openapi.json
    // (wrong tokens on its sign-in form count in the API's failed-authentication limit)
    io.rollgate.server.ui.Ui.register(app, new io.rollgate.server.ui.Ui.Deps(services.tokens(), journal,
        services.policies(), services.rollouts(), services.incidents(), services.reader(), services.attestor(),
        services.events(), services.clock(), services.incidentSink(), fleet::of, services.playbooks(),
        new SignInLimit(failedAuth)));
    return app;
  }

  private static Map<String, Object> attestorCheck(Attestor.Verdict verdict, java.time.Instant lastSuccess) {
    var m = new LinkedHashMap<String, Object>();
    switch (verdict) {
      case Attestor.Verdict.Pending p -> m.put("status", "pending");
      case Attestor.Verdict.Passed p -> {
        m.put("status", "up");
        m.put("lastRunAt", p.at().toString());
        m.put("verifiedSeq", p.verifiedSeq());
        m.put("policies", p.policies());
        m.put("fullPass", p.fullPass());
      }
      case Attestor.Verdict.Failed f -> {
        m.put("status", "failed");
        m.put("lastRunAt", f.at().toString());
        m.put("firstBadSeq", f.firstBadSeq());
        m.put("problems", f.problems());
      }
      case Attestor.Verdict.Unavailable u -> {
        m.put("status", "error");
        m.put("lastRunAt", u.at().toString());
        m.put("problem", u.reason());
      }
    }
    m.put("lastSuccessAt", lastSuccess == null ? null : lastSuccess.toString());
    return m;
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
