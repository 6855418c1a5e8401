package io.rollgate.store.db;

/** The two supported databases and the few places their SQL differs. */
public enum Dialect {
  SQLITE("db/migration/sqlite", ""),
  POSTGRESQL("db/migration/postgresql", " FOR UPDATE");

  private final String migrations;
  private final String lockSuffix;

  Dialect(String migrations, String lockSuffix) {
    this.migrations = migrations;
    this.lockSuffix = lockSuffix;
  }

  public String migrations() {
    return migrations;
  }

  /**
   * Appended to the journal head read at the start of each batch. SQLite needs nothing because the
   * writer opens every transaction with {@code BEGIN IMMEDIATE}; PostgreSQL locks the row so that
   * writers on several replicas take turns and the chain stays one line.
   */
  public String lockSuffix() {
    return lockSuffix;
  }

  public static Dialect ofUrl(String jdbcUrl) {
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException("unsupported database URL '" + redact(jdbcUrl)
        + "': use jdbc:postgresql://host:port/db (or omit --db for embedded SQLite)");
  }

  /** Strips a password from a JDBC URL so it can be logged or shown. */
  public static String redact(String jdbcUrl) {
    return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("//([^/@:]+):[^/@]*@", "//$1:***@");
  }
}
