package io.rollgate.store.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The database: migrated on open, with a pool for reads and a one-connection pool for the journal
 * writer. SQLite runs in WAL mode with {@code synchronous=FULL}, so a commit is on disk before the
 * writer acknowledges it; PostgreSQL runs with {@code synchronous_commit=on}.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);

  private final Dialect dialect;
  private final String displayUrl;
  private final HikariDataSource readPool;
  private final HikariDataSource writerPool;
  private final Jdbi reads;
  private String url; // PostgreSQL only: for the cluster's dedicated connections (LISTEN, leader lock)
  private String user;
  private String password;

  private Database(Dialect dialect, String displayUrl, HikariDataSource readPool, HikariDataSource writerPool) {
    this.dialect = dialect;
    this.displayUrl = displayUrl;
    this.readPool = readPool;
    this.writerPool = writerPool;
    this.reads = Jdbi.create(readPool);
  }

  /** Opens (creating if needed) {@code rollgate.db} in {@code dataDir}. */
  public static Database sqlite(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create data directory " + dataDir.toAbsolutePath() + ": " + e.getMessage(), e);
    }
    String url = "jdbc:sqlite:" + dataDir.resolve("rollgate.db").toAbsolutePath();
    HikariDataSource writer = sqlitePool(url, "rollgate-writer", 1, SQLiteConfig.TransactionMode.IMMEDIATE);
    HikariDataSource reader = sqlitePool(url, "rollgate-read", 8, SQLiteConfig.TransactionMode.DEFERRED);
    return migrated(new Database(Dialect.SQLITE, url, reader, writer));
  }

  /** Connects to PostgreSQL; {@code user}/{@code password} may be null when the URL carries them. */
  public static Database postgres(String url, String user, String password) {
    HikariDataSource writer = pgPool(url, user, password, "rollgate-writer", 1);
    HikariDataSource reader;
    try {
      reader = pgPool(url, user, password, "rollgate-read", 10);
    } catch (RuntimeException e) {
      writer.close();
      throw e;
    }
    var db = new Database(Dialect.POSTGRESQL, Dialect.redact(url), reader, writer);
    db.url = url;
    db.user = user;
    db.password = password;
    return migrated(db);
  }

  public static Database open(String jdbcUrl, Path dataDir, String user, String password) {
    if (jdbcUrl == null || jdbcUrl.isBlank()) {
      return sqlite(dataDir);
    }
    return switch (Dialect.ofUrl(jdbcUrl)) {
      case POSTGRESQL -> postgres(jdbcUrl, user, password);
      case SQLITE -> sqlite(Path.of(jdbcUrl.substring("jdbc:sqlite:".length())).toAbsolutePath().getParent());
    };
  }

  private static HikariDataSource sqlitePool(String url, String name, int size, SQLiteConfig.TransactionMode mode) {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    cfg.setBusyTimeout(10_000);
    cfg.enforceForeignKeys(true);
    cfg.setTransactionMode(mode);
    Properties props = cfg.toProperties();
    HikariConfig hc = new HikariConfig();
    hc.setPoolName(name);
    hc.setJdbcUrl(url);
    hc.setDataSourceProperties(props);
    hc.setMaximumPoolSize(size);
    hc.setMinimumIdle(1);
    hc.setConnectionTimeout(5_000); // health checks and requests fail fast instead of hanging
    return new HikariDataSource(hc);
  }

  private static HikariDataSource pgPool(String url, String user, String password, String name, int size) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName(name);
    hc.setJdbcUrl(url);
    if (user != null) {
      hc.setUsername(user);
    }
    if (password != null) {
      hc.setPassword(password);
    }
    hc.setMaximumPoolSize(size);
    hc.setMinimumIdle(1);
    // an acknowledgement must mean durable, whatever the server's default
    hc.setConnectionInitSql("SET synchronous_commit = on");
    hc.setConnectionTimeout(5_000); // health checks and requests fail fast instead of hanging
    hc.setInitializationFailTimeout(15_000);
    return new HikariDataSource(hc);
  }

  /** Migrates through the read pool: Flyway needs a second connection for its lock on PostgreSQL. */
  private static Database migrated(Database db) {
    try {
      migrate(db.readPool, db.dialect);
      return db;
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  private static void migrate(DataSource ds, Dialect dialect) {
    var flyway = Flyway.configure()
        .dataSource(ds)
        .locations("classpath:" + dialect.migrations())
        .loggers("slf4j")
        .load();
    refuseNewerSchema(flyway.info());
    var result = flyway.migrate();
    log.info("database schema at version {} ({} migrations applied now)",
        result.targetSchemaVersion, result.migrationsExecuted);
  }

  /**
   * Flyway by default ignores applied migrations it does not know ("future" ones) and starts anyway;
   * an older Rollgate on a newer schema could then misread rows or journal entries it has no code for.
   * So a downgrade stops here, naming both versions.
   */
  private static void refuseNewerSchema(MigrationInfoService info) {
    MigrationInfo newest = null;
    String known = "none";
    for (MigrationInfo m : info.all()) {
      if (m.getVersion() == null) {
        continue;
      }
      if (m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED) {
        if (newest == null || m.getVersion().isNewerThan(newest.getVersion())) {
          newest = m;
        }
      } else if (m.getState().isResolved()) {
        known = m.getVersion().getVersion();
      }
    }
    if (newest != null) {
      throw new IllegalStateException("database schema is at version " + newest.getVersion() + " ("
          + newest.getScript() + "), newer than this Rollgate: this Rollgate knows versions up to " + known
          + ". A downgrade is not supported: run the newer release, or restore the backup taken before the upgrade "
          + "(docs/operations/upgrade.md)");
    }
  }

  public Dialect dialect() {
    return dialect;
  }

  /** A JDBI over the read pool. Reads never go through the journal writer. */
  public Jdbi reads() {
    return reads;
  }

  /** The journal writer's connection source (one connection). */
  public DataSource writerSource() {
    return writerPool;
  }

  /**
   * A new connection outside the pools, for a session that must live on its own: the cluster's LISTEN
   * and its leader lock (a pooled connection could be reset or shared, losing the session's state).
   * TCP keepalives are on, so a dead peer is noticed by the kernel even on an idle connection.
   * PostgreSQL only; the caller closes it.
   */
  public Connection dedicatedConnection(String purpose) throws SQLException {
    if (dialect != Dialect.POSTGRESQL) {
      throw new IllegalStateException("dedicated connections are for PostgreSQL replicas, not " + dialect);
    }
    Properties props = new Properties();
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("tcpKeepAlive", "true");
    props.setProperty("ApplicationName", "rollgate-" + purpose);
    props.setProperty("connectTimeout", "5"); // seconds
    Connection c = java.sql.DriverManager.getConnection(url, props);
    try (var st = c.createStatement()) {
      st.execute("SET synchronous_commit = on");
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    c.setAutoCommit(true);
    return c;
  }

  public String displayUrl() {
    return displayUrl;
  }

  /** Runs {@code SELECT 1} on a read connection; returns null when healthy or the reason it is not. */
  public String check() {
    try (Connection c = readPool.getConnection(); var st = c.createStatement(); var rs = st.executeQuery("SELECT 1")) {
      return rs.next() ? null : "SELECT 1 returned no row";
    } catch (SQLException e) {
      return e.getMessage();
    }
  }

  @Override
  public void close() {
    readPool.close();
    writerPool.close();
  }
}
