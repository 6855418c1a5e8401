package io.rollgate.server;

import io.javalin.Javalin;
import io.rollgate.server.events.EventHub;
import io.rollgate.server.events.EventsConfig;
import io.rollgate.server.http.HttpApi;
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
   * @param attestInterval how often the attestor re-verifies the journal chain and the state hashes
   * @param events the SSE event stream's heartbeat, per-client buffer and replay page size
   */
  public record Config(String host, int port, Path dataDir, String dbUrl, String dbUser, String dbPassword,
      String adminToken, InstantSource clock, JournalConfig journal, String metricsToken, Duration attestInterval,
      EventsConfig events) {
    public static final Duration DEFAULT_ATTEST_INTERVAL = Duration.ofSeconds(60);

    public Config {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(journal, "journal");
      Objects.requireNonNull(attestInterval, "attestInterval");
      Objects.requireNonNull(events, "events");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
      }
      if (attestInterval.isNegative() || attestInterval.isZero()) {
        throw new IllegalArgumentException("attestInterval must be positive, got " + attestInterval);
      }
      if (metricsToken != null && metricsToken.isBlank()) {
        metricsToken = null;
      }
    }

    /** Without {@code events}: the default event stream settings. */
    public Config(String host, int port, Path dataDir, String dbUrl, String dbUser, String dbPassword,
        String adminToken, InstantSource clock, JournalConfig journal, String metricsToken, Duration attestInterval) {
      this(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, metricsToken, attestInterval,
          EventsConfig.DEFAULTS);
    }

    public static Config defaults(Path dataDir) {
      return new Config("127.0.0.1", 0, dataDir, null, null, null, null, InstantSource.system(),
          JournalConfig.DEFAULTS, null, DEFAULT_ATTEST_INTERVAL);
    }

    public Config withMetricsToken(String token) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, token,
          attestInterval, events);
    }

    public Config withAttestInterval(Duration interval) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, metricsToken,
          interval, events);
    }

    public Config withEvents(EventsConfig eventsConfig) {
      return new Config(host, port, dataDir, dbUrl, dbUser, dbPassword, adminToken, clock, journal, metricsToken,
          attestInterval, eventsConfig);
    }
  }

  private final Database db;
  private final Journal journal;
  private final PolicyStore policies;
  private final TokenStore tokens;
  private final JournalReader reader;
  private final EventHub events;
  private final Javalin app;

  private RollgateServer(Database db, Journal journal, PolicyStore policies, TokenStore tokens, JournalReader reader,
      EventHub events, Javalin app) {
    this.db = db;
    this.journal = journal;
    this.policies = policies;
    this.tokens = tokens;
    this.reader = reader;
    this.events = events;
    this.app = app;
  }

  public static RollgateServer start(Config cfg) {
    Database db = Database.open(cfg.dbUrl(), cfg.dataDir(), cfg.dbUser(), cfg.dbPassword());
    Journal journal = new Journal(db, cfg.clock(), cfg.journal());
    try {
      var policies = new PolicyStore(db, journal);
      var tokens = new TokenStore(db, journal);
      var reader = new JournalReader(db);
      var events = new EventHub(reader, cfg.events());
      journal.addListener(events::publish);
      bootstrapAdmin(tokens, cfg);
      Javalin app = HttpApi.create(new HttpApi.Services(db, journal, policies, tokens, reader, events));
      app.start(cfg.host(), cfg.port());
      log.info("Rollgate listening on http://{}:{} (database: {})", cfg.host(), app.port(), db.displayUrl());
      return new RollgateServer(db, journal, policies, tokens, reader, events, app);
    } catch (RuntimeException e) {
      journal.close();
      db.close();
      throw e;
    }
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

  /** The SSE event hub: its counters are for metrics. */
  public EventHub events() {
    return events;
  }

  /** The running Javalin application; tests read its route table from here. */
  public Javalin app() {
    return app;
  }

  /**
   * Ends the event streams (each client gets {@code server.shutdown}, else the graceful stop would
   * wait for them), stops taking requests and lets those in flight finish (up to
   * {@link HttpApi#SHUTDOWN_GRACE}), drains the journal (every queued command commits), closes the database.
   */
  @Override
  public void close() {
    log.info("shutting down: stopping HTTP, draining {} queued journal commands", journal.queueDepth());
    events.close();
    app.stop();
    journal.close();
    db.close();
    log.info("shutdown complete");
  }
}
