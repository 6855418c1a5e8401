package io.rollgate.cli;

import io.rollgate.audit.ChainVerifier;
import io.rollgate.store.db.SqliteBackup;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rollgate backup} and {@code rollgate restore}: SQLite data directories, on this machine. PostgreSQL
 * is backed up with pg_dump (docs/operations/backup-restore.md). Exit 1 when the journal chain does not verify.
 */
final class BackupCommand {
  private BackupCommand() {}

  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = {"Back up a SQLite data directory into one file, online: the server may keep running and writing.",
          "The copy is a consistent snapshot (VACUUM INTO in one read transaction), checked with SQLite's integrity "
              + "check and a full verification of the journal chain; exit 1 if the chain does not verify.",
          "PostgreSQL: use pg_dump (docs/operations/backup-restore.md)."})
  static final class Backup implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", defaultValue = "./rollgate-data",
        description = "The server's data directory (default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The backup file; must not exist")
    Path out;

    @Option(names = "--json", description = "Print the result as JSON")
    boolean json;

    @Override
    public Integer call() {
      SqliteBackup.Result r;
      try {
        r = SqliteBackup.backup(dataDir, out);
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new CliException(2, e.getMessage());
      }
      return report(spec, json, "backed up " + dataDir.resolve(SqliteBackup.DB_FILE) + " to " + r.file(), r);
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = {"Restore a backup made by 'rollgate backup' into an empty data directory; the server must not "
          + "be running on it.",
          "The backup is checked first (integrity, journal chain): a backup whose chain does not verify is not "
              + "restored (exit 1). Then start 'rollgate serve --data-dir DIR'."})
  static final class Restore implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "FILE", description = "The backup file")
    Path from;

    @Option(names = "--data-dir", required = true, description = "The data directory to restore into; "
        + "it must not hold a database (rollgate.db, -wal, -shm)")
    Path dataDir;

    @Option(names = "--json", description = "Print the result as JSON")
    boolean json;

    @Override
    public Integer call() {
      SqliteBackup.Result r;
      try {
        r = SqliteBackup.restore(from, dataDir);
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new CliException(2, e.getMessage());
      }
      if (!r.chain().ok() && !json) {
        spec.commandLine().getErr().println("rollgate: not restored: the journal chain of " + from
            + " does not verify at entry " + r.chain().firstBadSeq() + ": " + r.chain().problem());
        return 1;
      }
      if (!r.chain().ok()) {
        return report(spec, true, "not restored", r);
      }
      return report(spec, json, "restored " + from + " into " + r.file(), r);
    }
  }

  private static int report(picocli.CommandLine.Model.CommandSpec spec, boolean json, String what, SqliteBackup.Result r) {
    ChainVerifier.Result chain = r.chain();
    if (json) {
      var node = io.rollgate.json.Json.mapper().createObjectNode();
      node.put("file", r.file().toString());
      node.put("bytes", r.bytes());
      node.put("chainOk", chain.ok());
      node.put("entries", chain.entries());
      node.put("headHash", chain.headHash());
      if (chain.firstBadSeq() != null) {
        node.put("firstBadSeq", chain.firstBadSeq());
      } else {
        node.putNull("firstBadSeq");
      }
      node.put("problem", chain.problem());
      spec.commandLine().getOut().println(node.toPrettyString());
      return chain.ok() ? 0 : 1;
    }
    if (!chain.ok()) {
      spec.commandLine().getErr().println("rollgate: " + what + " (" + r.bytes() + " bytes), but its journal chain "
          + "does not verify at entry " + chain.firstBadSeq() + ": " + chain.problem());
      return 1;
    }
    spec.commandLine().getOut().println(what + " (" + r.bytes() + " bytes): journal verified, " + chain.entries()
        + " entries, head " + PolicyCommand.abbrev(chain.headHash()));
    return 0;
  }
}
