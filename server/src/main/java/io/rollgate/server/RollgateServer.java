package io.rollgate.server;

import io.javalin.Javalin;
import io.rollgate.server.attest.Attestor;
import io.rollgate.server.lifecycle.Lifecycle;
import io.rollgate.server.http.AuthLimits;
import io.rollgate.server.events.EventHub;
import io.rollgate.server.events.EventsConfig;
import io.rollgate.server.http.HttpApi;
import io.rollgate.server.metrics.Metrics;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.server.analysis.AnalysisProvider;
import io.rollgate.server.rollout.RolloutLoop;
import io.rollgate.server.incident.IncidentBridge;
import io.rollgate.server.incident.IncidentService;
import io.rollgate.incident.IncidentSettings;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalConfig;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.token.Role;
import io.rollgate.store.token.TokenStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires database, journal, stores and HTTP API together; {@link #close} drains and stops them in order. */
public final class RollgateServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RollgateServer.class);
  public static final String ADMIN_TOKEN_FILE = "admin-token";

  /**
   * @param dbUrl null for embedded SQLite in {@code dataDir}, or a {@code jdbc:postgresql://} URL
   * @param adminToken the first admin token (ROLLGATE_ADMIN_TOKEN), or null to generate one
   * @param metricsToken when set, {@code /metrics} needs {@code Authorization: Bearer <it>}; null leaves it open
   * @param loops how often the background loops run (attestor, rollout reconciler)
   * @param drainDelay on shutdown, how long {@code /health} answers 503 before HTTP stops (zero by default)
   * @param authLimits failed authentications allowed per client address and window before 429
   * @param events the SSE event stream's heartbeat, per-client buffer and replay page size
   */
  public record Config(String host, int port, Path dataDir, String dbUrl, String dbUser, String dbPassword,
      String adminToken, InstantSource clock, JournalConfig journal, String metricsToken, Loops loops,
      Duration drainDelay, AuthLimits authLimits, EventsConfig events) {
    public static final Duration DEFAULT_ATTEST_INTERVAL = Loops.DEFAULT_ATTEST_INTERVAL;
    public static final Duration MAX_DRAIN_DELAY = Duration.ofMinutes(5);

    public Config {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(journal, "journal");
      Objects.requireNonNull(loops, "loops");
      Objects.requireNonNull(drainDelay, "drainDelay");
      if (drainDelay.isNegative() || drainDelay.compareTo(MAX_DRAIN_DELAY) > 0) {
        throw new IllegalArgumentException("drainDelay must be between 0 and " + MAX_DRAIN_DELAY.toSeconds()
            + " s, got " + drainDelay.toMillis() + " ms");
      }
      Objects.requireNonNull(authLimits, "authLimits");
      Objects.requireNonNull(events, "events");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
      }
      if (metricsToken != null && metricsToken.isBlank()) {
        metricsToken = null;
      }
    }

    public static Config defaults(Path dataDir) {
      return new Config("127.0.0.1", 0, dataDir, null, null, null, null, InstantSource.system(),
          JournalConfig.DEFAULTS, null, Loops.DEFAULTS, Duration.ZERO, AuthLimits.DEFAULTS,
          EventsConfig.DEFAULTS);
    }

    public Config withMetricsToken(String token) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, token,
          loops, drainDelay, authLimits, events);
    }

    public Config withAttestInterval(Duration interval) {
      return withLoops(new Loops(interval, loops.rolloutTick(), loops.lease()));
    }

    /** {@link Duration#ZERO}: no background rollout loop (tests drive it with {@link RolloutLoop#tick()}). */
    public Config withRolloutTick(Duration tick) {
      return withLoops(new Loops(loops.attestInterval(), tick, loops.lease()));
    }

    /** The PostgreSQL replicas' leader lease (issue 10). */
    public Config withLease(Duration lease) {
      return withLoops(new Loops(loops.attestInterval(), loops.rolloutTick(), lease));
    }

    public Config withLoops(Loops l) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, metricsToken,
          l, drainDelay, authLimits, events);
    }

    public Duration attestInterval() {
      return loops.attestInterval();
    }

    public Config withJournal(JournalConfig journalConfig) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journalConfig,
          metricsToken, loops, drainDelay, authLimits, events);
    }

    public Config withDataDir(Path dir) {
      return new Config(host, port, dir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, metricsToken,
          loops, drainDelay, authLimits, events);
    }

    public Config withDrainDelay(Duration delay) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, metricsToken,
          loops, delay, authLimits, events);
    }

    public Config withAuthLimits(AuthLimits limits) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, metricsToken,
          loops, drainDelay, limits, events);
    }

    public Config withEvents(EventsConfig eventsConfig) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, metricsToken,
          loops, drainDelay, authLimits, eventsConfig);
    }
  }

  /**
   * The background loops' cadence.
   *
   * @param attestInterval how often the attestor re-verifies the journal chain and the state hashes (≥ 1 s)
   * @param rolloutTick how often the rollout loop looks at every active rollout (measurements follow each
   *     rollout's own interval); zero runs no background loop, for tests that tick it themselves
   * @param lease on PostgreSQL replicas, how long a leader that stops renewing keeps leadership before another
   *     replica takes over (renewed every third of it); a leader whose lock connection dies is replaced sooner
   */
  public record Loops(Duration attestInterval, Duration rolloutTick, Duration lease) {
    public static final Duration DEFAULT_ATTEST_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_ROLLOUT_TICK = Duration.ofSeconds(1);
    public static final Duration DEFAULT_LEASE = io.rollgate.store.cluster.LeaderElector.DEFAULT_LEASE;
    public static final Loops DEFAULTS = new Loops(DEFAULT_ATTEST_INTERVAL, DEFAULT_ROLLOUT_TICK, DEFAULT_LEASE);

    public Loops(Duration attestInterval, Duration rolloutTick) {
      this(attestInterval, rolloutTick, DEFAULT_LEASE);
    }

    public Loops {
      Objects.requireNonNull(lease, "lease");
      if (lease.compareTo(Duration.ofSeconds(1)) < 0 || lease.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("lease must be between 1 s and 600 s, got " + lease.toMillis() + " ms");
      }
      Objects.requireNonNull(attestInterval, "attestInterval");
      Objects.requireNonNull(rolloutTick, "rolloutTick");
      if (attestInterval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("attestInterval must be at least 1 s, got " + attestInterval.toMillis()
            + " ms");
      }
      if (rolloutTick.isNegative() || rolloutTick.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("rolloutTick must be between 0 (off) and 60 s, got "
            + rolloutTick.toMillis() + " ms");
      }
    }
  }

  private final Database db;
  private final Journal journal;
  private final PolicyStore policies;
  private final TokenStore tokens;
  private final JournalReader reader;
  private final Attestor attestor;
  private final Lifecycle lifecycle;
  private final Metrics metrics;
  private final EventHub events;
  private final RolloutStore rolloutStore;
  private final RolloutLoop rolloutLoop;
  private io.rollgate.server.evidence.PromotionLoop promotionLoop;
  private IncidentService incidents;
  private IncidentBridge incidentBridge;
  private io.rollgate.server.playbook.PlaybookService playbooks;
  private final Javalin app;
  /** How often the notifier pumps rollout entries and retries due deliveries (commits wake it sooner). */
  static final Duration NOTIFY_TICK = Duration.ofSeconds(1);
  private io.rollgate.server.notify.Notifications notifications;
  private io.rollgate.server.cluster.Cluster cluster;
  private final Duration drainDelay;
  private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();

  private RollgateServer(Config cfg, Database db, Journal journal, PolicyStore policies, TokenStore tokens,
      JournalReader reader, Metrics metrics, Attestor attestor, EventHub events, RolloutStore rolloutStore,
      RolloutLoop rolloutLoop, Lifecycle lifecycle, Javalin app) {
    this.rolloutStore = rolloutStore;
    this.rolloutLoop = rolloutLoop;
    this.drainDelay = cfg.drainDelay();
    this.lifecycle = lifecycle;
    this.db = db;
    this.journal = journal;
    this.policies = policies;
    this.tokens = tokens;
    this.reader = reader;
    this.attestor = attestor;
    this.metrics = metrics;
    this.events = events;
    this.app = app;
  }

  public static RollgateServer start(Config cfg) {
    return start(cfg, io.rollgate.server.notify.NotifySettings.NONE, "rollgate.yaml");
  }

  /**
   * As {@link #start(Config)}, with the notifiers of {@code configName} (rollgate.yaml); a bad template
   * fails the start with a message naming that file, the template and the line.
   */
  public static RollgateServer start(Config cfg, io.rollgate.server.notify.NotifySettings notifiers, String configName) {
    return start(cfg, notifiers, configName, io.rollgate.incident.playbook.PlaybookSettings.DEFAULTS);
  }

  /** As {@link #start(Config, io.rollgate.server.notify.NotifySettings, String)}, with rollgate.yaml's playbooks section. */
  public static RollgateServer start(Config cfg, io.rollgate.server.notify.NotifySettings notifiers, String configName,
      io.rollgate.incident.playbook.PlaybookSettings playbookSettings) {
    Database db = Database.open(cfg.dbUrl(), cfg.dataDir(), cfg.dbUser(), cfg.dbPassword());
    Metrics metrics = Metrics.create(cfg.metricsToken());
    Journal journal = new Journal(db, cfg.clock(), cfg.journal(), metrics.journalObserver());
    Attestor attestor = null;
    EventHub events = null;
    RolloutLoop rolloutLoop = null;
    io.rollgate.server.evidence.PromotionLoop promotionLoop = null;
    IncidentBridge incidentBridge = null;
    io.rollgate.server.notify.Notifications notifications = null;
    io.rollgate.server.cluster.Cluster cluster = null;
    Javalin app = null;
    try {
      var policies = new PolicyStore(db, journal);
      var tokens = new TokenStore(db, journal);
      var reader = new JournalReader(db);
      metrics.watch(journal, reader.head().seq());
      cluster = io.rollgate.server.cluster.Cluster.open(db, journal, reader, cfg.clock(), cfg.loops().lease());
      cluster.register(metrics.registry());
      if (cfg.events().bufferCapacity() < cfg.journal().maxBatch()) {
        log.warn("the events buffer ({} events) is smaller than a journal batch ({} commands): one full batch "
            + "disconnects every event client, and they all resume at once", cfg.events().bufferCapacity(),
            cfg.journal().maxBatch());
      }
      events = new EventHub(reader, cfg.events());
      journal.addListener(events::publish);
      metrics.watchEvents(events::connectedClients, events::eventsDelivered, events::overflowDisconnects);
      bootstrapAdmin(tokens, cfg);
      attestor = new Attestor(reader, policies, journal, cfg.clock(),
          new Attestor.Settings(cfg.attestInterval(), Attestor.Settings.DEFAULT_FULL_PASS_EVERY), metrics.registry());
      var rolloutStore = new RolloutStore(db, journal, policies);
      rolloutLoop = new RolloutLoop(rolloutStore, analysisProviders(), cfg.clock(), metrics.rollouts());
      promotionLoop = new io.rollgate.server.evidence.PromotionLoop(
          new io.rollgate.store.evidence.EvidenceStore(db, journal, policies), analysisProviders(), cfg.clock());
      journal.addListener(promotionLoop);
      if (!notifiers.sinks().isEmpty()) {
        notifications = io.rollgate.server.notify.Notifications.create(db, journal, notifiers, configName, cfg.clock(),
            new java.security.SecureRandom());
      }
      IncidentStore.Observer announce = notifications == null ? IncidentStore.Observer.NONE
          : io.rollgate.server.incident.IncidentNotices.observer(notifications);
      var incidents = new IncidentService(new IncidentStore(db, journal, IncidentSettings.DEFAULTS, announce),
          metrics.registry());
      incidentBridge = new IncidentBridge(incidents, reader, cluster.leaderOnly());
      incidentBridge.start(journal);
      var loop = rolloutLoop;
      var playbooks = new io.rollgate.server.playbook.PlaybookService(
          new io.rollgate.store.playbook.PlaybookStore(db, journal, policies, playbookSettings), cfg.clock(),
          id -> io.rollgate.server.playbook.PlaybookService.rerunResult(loop.measureNow(id)));
      playbooks.recover();
      var lifecycle = new Lifecycle();
      app = HttpApi.create(
          new HttpApi.Services(db, journal, policies, tokens, reader, metrics, attestor, lifecycle, cfg.clock(),
              cfg.authLimits(), events, rolloutStore, incidents.store(),
              notifications == null ? io.rollgate.server.notify.IncidentSink.NONE : notifications, cluster,
              incidents, playbooks));
      app.start(cfg.host(), cfg.port());
      cluster.start(cfg.host() + ":" + app.port()); // elects before the singleton loops first run
      attestor.start(cluster.leaderOnly());
      rolloutLoop.start(cfg.loops().rolloutTick(), cluster.leaderOnly());
      promotionLoop.start(cfg.loops().rolloutTick(), cluster.leaderOnly());
      if (notifications != null) {
        notifications.start(NOTIFY_TICK, cluster.leaderOnly());
      }
      lifecycle.moveTo(Lifecycle.State.SERVING);
      log.info("Rollgate listening on http://{}:{} (database: {})", cfg.host(), app.port(), db.displayUrl());
      var server = new RollgateServer(cfg, db, journal, policies, tokens, reader, metrics, attestor, events,
          rolloutStore, rolloutLoop, lifecycle, app);
      server.incidents = incidents;
      server.promotionLoop = promotionLoop;
      server.incidentBridge = incidentBridge;
      server.playbooks = playbooks;
      server.notifications = notifications;
      server.cluster = cluster;
      return server;
    } catch (RuntimeException e) { // undo what started, in reverse order, then report the cause
      if (notifications != null) {
        notifications.close();
      }
      if (rolloutLoop != null) {
        rolloutLoop.close();
      }
      if (promotionLoop != null) {
        promotionLoop.close();
      }
      if (attestor != null) {
        attestor.close();
      }
      if (incidentBridge != null) {
        incidentBridge.close();
      }
      if (events != null) {
        events.close();
      }
      if (cluster != null) {
        cluster.close();
      }
      if (app != null) {
        try {
          app.stop();
        } catch (RuntimeException stopFailure) {
          e.addSuppressed(stopFailure);
        }
      }
      journal.close();
      db.close();
      throw e;
    }
  }

  /** The {@code outcomes} provider is built in; the others are configured here. */
  private static java.util.Map<AnalysisSettings.Provider, AnalysisProvider> analysisProviders() {
    return java.util.Map.of(AnalysisSettings.Provider.PROMETHEUS, new io.rollgate.server.analysis.PrometheusProvider());
  }

  /** The first admin token: ROLLGATE_ADMIN_TOKEN if given, otherwise generated into the data directory (0600). */
  private static void bootstrapAdmin(TokenStore tokens, Config cfg) {
    if (cfg.adminToken() != null && !cfg.adminToken().isBlank()) {
      if (tokens.authenticate(cfg.adminToken()).isEmpty()) {
        String name = tokens.anyAdmin() ? "admin-env-" + System.currentTimeMillis() : "admin";
        tokens.createWithSecret(name, Role.ADMIN, "system", cfg.adminToken());
        log.info("admin token '{}' registered from ROLLGATE_ADMIN_TOKEN", name);
      }
      return;
    }
    if (tokens.anyAdmin()) {
      return;
    }
    var created = tokens.create("admin", Role.ADMIN, "system");
    Path file = cfg.dataDir().resolve(ADMIN_TOKEN_FILE).toAbsolutePath();
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, created.token() + "\n", StandardOpenOption.TRUNCATE_EXISTING);
    } catch (UnsupportedOperationException e) {
      writeQuietly(file, created.token());
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the admin token to " + file + ": " + e.getMessage(), e);
    }
    log.info("generated the first admin token; it is in {} (readable by this user only)", file);
  }

  private static void writeQuietly(Path file, String token) {
    try {
      Files.writeString(file, token + "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the admin token to " + file + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return app.port();
  }

  public Database database() {
    return db;
  }

  public Journal journal() {
    return journal;
  }

  public PolicyStore policies() {
    return policies;
  }

  public TokenStore tokens() {
    return tokens;
  }

  public JournalReader journalReader() {
    return reader;
  }

  public Attestor attestor() {
    return attestor;
  }

  /** This instance's metrics; register further metrics in its {@link Metrics#registry()}. */
  public Metrics metrics() {
    return metrics;
  }

  /** The SSE event hub: its counters are for metrics. */
  public EventHub events() {
    return events;
  }

  /** Promotions via rollouts and watched promotions; tests with a zero rollout tick drive it with tick(). */
  public io.rollgate.server.evidence.PromotionLoop promotions() {
    return promotionLoop;
  }

  /** The rollout loop; tests with a zero rollout tick drive it with {@link RolloutLoop#tick()}. */
  public RolloutLoop rollouts() {
    return rolloutLoop;
  }

  /** Incidents: where gates, budgets and the bridges signal. */
  public IncidentService incidents() {
    return incidents;
  }

  /** The journal listener that turns rollbacks, verification and attestation failures into signals. */
  public IncidentBridge incidentBridge() {
    return incidentBridge;
  }

  /** Remediation playbooks: dry runs, executions, approvals, compensations. */
  public io.rollgate.server.playbook.PlaybookService playbooks() {
    return playbooks;
  }

  /** Where incidents are announced: the configured notifiers, or {@link io.rollgate.server.notify.IncidentSink#NONE}. */
  public io.rollgate.server.notify.IncidentSink incidentSink() {
    return notifications == null ? io.rollgate.server.notify.IncidentSink.NONE : notifications;
  }

  /** The notifier outbox and its loop, or null when rollgate.yaml configures none. */
  public io.rollgate.server.notify.Notifications notifications() {
    return notifications;
  }

  /** This server among the replicas of its database (alone on SQLite). */
  public io.rollgate.server.cluster.Cluster cluster() {
    return cluster;
  }

  /**
   * Test seam for kill -9 in one JVM: stops every loop and HTTP, ends this replica's database sessions
   * without a hand-over, drains nothing and tells no event client; the journal's queued commands fail.
   */
  public void crashForTest() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    cluster.crashForTest();
    rolloutLoop.close();
    if (notifications != null) {
      notifications.close();
    }
    attestor.close();
    incidentBridge.close();
    try {
      app.jettyServer().server().setStopTimeout(0);
      app.stop();
    } catch (RuntimeException e) {
      log.warn("crash: HTTP stop: {}", e.toString());
    }
    journal.close();
    db.close();
  }

  public RolloutStore rolloutStore() {
    return rolloutStore;
  }

  /** The running Javalin application; tests read its route table from here. */
  public Javalin app() {
    return app;
  }

  public Lifecycle lifecycle() {
    return lifecycle;
  }

  /** Starts draining without stopping: {@code /health} answers 503 and changes are refused. */
  public void drain() {
    if (lifecycle.moveTo(Lifecycle.State.DRAINING)) {
      log.info("draining: refusing changes, /health answers 503");
    }
  }

  /**
   * Drains and stops, in order: {@code /health} turns 503 and new changes are refused; after the
   * configured drain delay (time for load balancers to notice) the attestor stops, the event
   * streams end (each client gets {@code server.shutdown}, else the graceful stop would wait for
   * them), HTTP stops taking requests and lets those in flight finish (up to
   * {@link HttpApi#SHUTDOWN_GRACE}), the journal commits everything queued, the database closes.
   * A second call does nothing.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    drain();
    if (!drainDelay.isZero()) {
      log.info("stopping in {} ms", drainDelay.toMillis());
    }
    pause(drainDelay);
    log.info("shutting down: stopping HTTP, draining {} queued journal commands", journal.queueDepth());
    rolloutLoop.close();
    promotionLoop.close();
    if (notifications != null) {
      notifications.close();
    }
    attestor.close();
    events.close();
    cluster.close(); // hands over leadership now rather than after the lease
    try {
      app.stop();
    } catch (RuntimeException e) { // grace period over with requests still open: drain the journal anyway
      log.warn("HTTP did not stop cleanly within {} s: {}", HttpApi.SHUTDOWN_GRACE.toSeconds(), e.toString());
    }
    incidentBridge.close(); // its signals are journal commands: before the journal closes
    journal.close();
    db.close();
    lifecycle.moveTo(Lifecycle.State.STOPPED);
    log.info("shutdown complete");
  }

  /** The drain delay is a real wait for load balancers; tests keep it at zero. */
  private static void pause(Duration d) {
    if (d.isZero()) {
      return;
    }
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
