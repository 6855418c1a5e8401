package io.rollgate.store.testing;

import io.rollgate.store.db.Database;
import io.rollgate.store.db.Dialect;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real databases for tests: a fresh SQLite file, or a fresh database in one embedded PostgreSQL
 * server (real binaries from Maven Central) started once per JVM and stopped at exit.
 */
public final class TestDatabases {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static volatile EmbeddedPostgres postgres;

  private TestDatabases() {}

  /** The embedded PostgreSQL server, started on first use. */
  public static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        postgres = EmbeddedPostgres.builder()
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on")
            .setServerConfig("max_connections", "200")
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
      }
      EmbeddedPostgres pg = postgres;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.close();
        } catch (IOException ignored) {
          // the JVM is exiting
        }
      }));
    }
    return postgres;
  }

  /** A JDBC URL (with credentials) for a new, empty PostgreSQL database. */
  public static String newPostgresUrl() {
    String name = "rg_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    try (Connection c = postgres().getPostgresDatabase().getConnection(); var st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    return postgres().getJdbcUrl("postgres", name) + "&password=postgres";
  }

  /** A fresh, migrated database of the given dialect. */
  public static Database open(Dialect dialect) {
    return switch (dialect) {
      case SQLITE -> Database.sqlite(newTempDir());
      case POSTGRESQL -> Database.postgres(newPostgresUrl(), null, null);
    };
  }

  /** A new temporary directory, deleted with its contents when the JVM exits. */
  public static Path newTempDir() {
    try {
      Path dir = Files.createTempDirectory("rollgate-test-");
      TEMP_DIRS.add(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // File.deleteOnExit() only removes empty directories, which left every SQLite test database behind.
  private static final Queue<Path> TEMP_DIRS = new ConcurrentLinkedQueue<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> TEMP_DIRS.forEach(TestDatabases::deleteTree)));
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // best effort at exit
    }
  }
}
