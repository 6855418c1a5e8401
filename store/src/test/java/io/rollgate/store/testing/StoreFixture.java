package io.rollgate.store.testing;

import io.rollgate.audit.JournalEntry;
import io.rollgate.store.db.Database;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalConfig;
import io.rollgate.store.journal.JournalObserver;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.token.TokenStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A fresh database of one dialect with a journal, its reader and the stores, on a {@link MutableClock}.
 * {@link #restart()} closes everything and opens the same database again, as a process restart would.
 */
public final class StoreFixture implements AutoCloseable {
  public static final String START = "2025-01-01T00:00:00Z";

  private final Dialect dialect;
  private final Path sqliteDir;
  private final String postgresUrl;
  private final JournalConfig config;
  private final JournalObserver observer;
  public final MutableClock clock = MutableClock.at(START);
  private Database db;
  private Journal journal;

  private StoreFixture(Dialect dialect, JournalConfig config, JournalObserver observer) {
    this.dialect = dialect;
    this.config = config;
    this.observer = observer;
    this.sqliteDir = dialect == Dialect.SQLITE ? TestDatabases.newTempDir() : null;
    this.postgresUrl = dialect == Dialect.POSTGRESQL ? TestDatabases.newPostgresUrl() : null;
    start();
  }

  public static StoreFixture open(Dialect dialect) {
    return new StoreFixture(dialect, JournalConfig.DEFAULTS, JournalObserver.NONE);
  }

  public static StoreFixture open(Dialect dialect, JournalConfig config) {
    return new StoreFixture(dialect, config, JournalObserver.NONE);
  }

  public static StoreFixture open(Dialect dialect, JournalConfig config, JournalObserver observer) {
    return new StoreFixture(dialect, config, observer);
  }

  private void start() {
    db = dialect == Dialect.SQLITE ? Database.sqlite(sqliteDir) : Database.postgres(postgresUrl, null, null);
    journal = new Journal(db, clock, config, observer);
  }

  /** Closes the journal (draining it) and the database, then opens both again on the same data. */
  public void restart() {
    closeQuietly();
    start();
  }

  public Dialect dialect() {
    return dialect;
  }

  public Database db() {
    return db;
  }

  public Journal journal() {
    return journal;
  }

  public JournalReader reader() {
    return new JournalReader(db);
  }

  public PolicyStore policies() {
    return new PolicyStore(db, journal);
  }

  public RolloutStore rollouts() {
    return new RolloutStore(db, journal, policies());
  }

  public TokenStore tokens() {
    return new TokenStore(db, journal);
  }

  /** Every journal entry, oldest first, read page by page from the read pool. */
  public List<JournalEntry> entries() {
    return entriesAfter(0);
  }

  public List<JournalEntry> entriesAfter(long seq) {
    var out = new ArrayList<JournalEntry>();
    var reader = reader();
    long after = seq;
    while (true) {
      var page = reader.page(after, JournalReader.MAX_PAGE);
      out.addAll(page);
      if (page.size() < JournalReader.MAX_PAGE) {
        return out;
      }
      after = page.get(page.size() - 1).seq();
    }
  }

  public long headSeq() {
    return reader().head().seq();
  }

  /** Runs raw SQL on a read-pool connection, bypassing the journal (for sabotage and set-up). */
  public void sql(String... statements) {
    db.reads().useHandle(h -> {
      Connection c = h.getConnection();
      try (Statement st = c.createStatement()) {
        for (String s : statements) {
          st.execute(s);
        }
      } catch (SQLException e) {
        throw new IllegalStateException("test SQL failed: " + e.getMessage(), e);
      }
    });
  }

  /** A single string (or null) from a query on the read pool. */
  public String queryString(String sql, Object... args) {
    return db.reads().withHandle(h -> {
      var q = h.createQuery(sql);
      for (int i = 0; i < args.length; i++) {
        q.bind(i, args[i]);
      }
      return q.mapTo(String.class).findOne().orElse(null);
    });
  }

  public long queryLong(String sql, Object... args) {
    return db.reads().withHandle(h -> {
      var q = h.createQuery(sql);
      for (int i = 0; i < args.length; i++) {
        q.bind(i, args[i]);
      }
      return q.mapTo(Long.class).one();
    });
  }

  private void closeQuietly() {
    try {
      journal.close();
    } finally {
      db.close();
    }
  }

  @Override
  public void close() {
    closeQuietly();
  }
}
