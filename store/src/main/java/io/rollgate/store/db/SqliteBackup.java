package io.rollgate.store.db;

import io.rollgate.audit.ChainVerifier;
import io.rollgate.store.journal.JournalReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.SQLiteConfig;

/**
 * Online backup and offline restore of a SQLite data directory ({@code rollgate.db}).
 *
 * <p>A backup is {@code VACUUM INTO} on a read-only connection of its own: one read transaction, so
 * the copy is a consistent snapshot of the last commit even while the server writes (WAL mode lets
 * the writer go on; nothing waits for the backup). The copy is written beside the target as
 * {@code NAME.partial} and renamed only after {@code PRAGMA integrity_check} and a full verification
 * of its journal chain, so a file named like the target is always a complete database.
 *
 * <p>A restore copies a verified backup into a data directory that has no database yet: a
 * {@code rollgate.db-wal} left from another database would otherwise be replayed into the restored
 * one, corrupting it.
 */
public final class SqliteBackup {
  public static final String DB_FILE = "rollgate.db";
  private static final List<String> DB_FILES = List.of(DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", DB_FILE + "-journal");

  private SqliteBackup() {}

  /** What a backup or a restore produced; {@code chain.ok()} false means the journal does not verify. */
  public record Result(Path file, long bytes, ChainVerifier.Result chain) {}

  /**
   * Backs up {@code dataDir/rollgate.db} into {@code out}, which must not exist. Returns the result
   * even when the chain does not verify (the copy is still exact: the caller decides what that means).
   */
  public static Result backup(Path dataDir, Path out) {
    Path source = dataDir.resolve(DB_FILE);
    if (!Files.isRegularFile(source)) {
      throw new IllegalArgumentException("no Rollgate database at " + source.toAbsolutePath());
    }
    if (Files.exists(out)) {
      throw new IllegalArgumentException(out.toAbsolutePath() + " exists; a backup never overwrites a file");
    }
    Path dir = out.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("the directory of " + out.toAbsolutePath() + " does not exist");
    }
    Path partial = dir.resolve(out.getFileName() + ".partial");
    try {
      Files.deleteIfExists(partial);
      SQLiteConfig cfg = new SQLiteConfig();
      cfg.setReadOnly(true);
      cfg.setBusyTimeout(10_000);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + source.toAbsolutePath(), cfg.toProperties());
          var st = c.prepareStatement("VACUUM INTO ?")) {
        st.setString(1, partial.toString());
        st.execute();
      }
      ChainVerifier.Result chain = check(partial);
      Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
      return new Result(out, Files.size(out), chain);
    } catch (SQLException | IOException e) {
      deleteQuietly(partial);
      throw new IllegalStateException("cannot back up " + source.toAbsolutePath() + " to " + out.toAbsolutePath()
          + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      deleteQuietly(partial);
      throw e;
    }
  }

  /**
   * Copies the backup {@code from} into {@code dataDir} (created if needed) as its database. Refuses
   * when the directory already has database files, and when the backup's journal chain does not
   * verify (nothing is copied then; the result says why).
   */
  public static Result restore(Path from, Path dataDir) {
    if (!Files.isRegularFile(from)) {
      throw new IllegalArgumentException("no backup file at " + from.toAbsolutePath());
    }
    for (String name : DB_FILES) {
      if (Files.exists(dataDir.resolve(name))) {
        throw new IllegalArgumentException(dataDir.resolve(name).toAbsolutePath() + " exists; restore into an "
            + "empty data directory (move the old database files, " + String.join(", ", DB_FILES) + ", away first)");
      }
    }
    try {
      ChainVerifier.Result chain = check(from);
      if (!chain.ok()) {
        return new Result(from, Files.size(from), chain);
      }
      Files.createDirectories(dataDir);
      Path target = dataDir.resolve(DB_FILE);
      Path partial = dataDir.resolve(DB_FILE + ".partial");
      Files.copy(from, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      return new Result(target, Files.size(target), chain);
    } catch (SQLException | IOException e) {
      throw new IllegalStateException("cannot restore " + from.toAbsolutePath() + " into " + dataDir.toAbsolutePath()
          + ": " + e.getMessage(), e);
    }
  }

  /** Integrity check, then the journal chain, on a read-only connection to {@code file}. */
  private static ChainVerifier.Result check(Path file) throws SQLException {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setReadOnly(true);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), cfg.toProperties())) {
      try (var st = c.createStatement(); var rs = st.executeQuery("PRAGMA integrity_check")) {
        String verdict = rs.next() ? rs.getString(1) : "no answer";
        if (!"ok".equals(verdict)) {
          throw new IllegalStateException(file.toAbsolutePath() + " fails SQLite's integrity check: " + verdict);
        }
      }
      return JournalReader.verify(Jdbi.create(c)); // Jdbi leaves a connection it was given open
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the original error is the one worth reporting
    }
  }
}
