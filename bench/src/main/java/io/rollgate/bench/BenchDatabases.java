package io.rollgate.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.rollgate.store.db.Database;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.TestDatabases;
import java.nio.file.Path;
import org.sqlite.SQLiteConfig;

/**
 * A fresh, migrated database per benchmark trial, plus (for the naive baseline) an extra pool of
 * many writer connections with exactly the durability settings {@link Database} uses: SQLite WAL +
 * {@code synchronous=FULL} with {@code BEGIN IMMEDIATE}, PostgreSQL {@code synchronous_commit=on}.
 */
final class BenchDatabases implements AutoCloseable {
  final Dialect dialect;
  final Database db;
  private final String url;

  private BenchDatabases(Dialect dialect, Database db, String url) {
    this.dialect = dialect;
    this.db = db;
    this.url = url;
  }

  static BenchDatabases open(Dialect dialect) {
    return switch (dialect) {
      case SQLITE -> {
        Path dir = TestDatabases.newTempDir();
        yield new BenchDatabases(dialect, Database.sqlite(dir), "jdbc:sqlite:" + dir.resolve("rollgate.db").toAbsolutePath());
      }
      case POSTGRESQL -> {
        String pgUrl = TestDatabases.newPostgresUrl();
        yield new BenchDatabases(dialect, Database.postgres(pgUrl, null, null), pgUrl);
      }
    };
  }

  /**
   * {@code size} writer connections; mirrors Database's private pool settings. Connections stay in
   * auto-commit mode and callers write {@code BEGIN … COMMIT} themselves, because the xerial
   * driver's {@code commit()} immediately re-issues {@code BEGIN IMMEDIATE}: a pooled SQLite
   * connection with auto-commit off would sit idle holding the write lock.
   */
  HikariDataSource writerPool(String name, int size) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName(name);
    hc.setJdbcUrl(url);
    hc.setMaximumPoolSize(size);
    hc.setMinimumIdle(size);
    hc.setConnectionTimeout(60_000);
    switch (dialect) {
      case SQLITE -> {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.setBusyTimeout(60_000);
        cfg.enforceForeignKeys(true);
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        hc.setDataSourceProperties(cfg.toProperties());
      }
      case POSTGRESQL -> hc.setConnectionInitSql("SET synchronous_commit = on");
    }
    return new HikariDataSource(hc);
  }

  @Override
  public void close() {
    db.close();
  }
}
