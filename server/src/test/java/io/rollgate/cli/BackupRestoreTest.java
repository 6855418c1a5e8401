package io.rollgate.cli;

import static io.rollgate.server.testing.TestServer.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.TestDatabases;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code rollgate backup} of a live SQLite server while it writes, {@code rollgate restore} into a fresh data
 * directory, and a server started on the restored database: its journal chain verifies and ends where the backup's did.
 */
class BackupRestoreTest {
  record Run(int code, String out, String err) {}

  static Run cli(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), Map.<String, String>of()::get);
    return new Run(code, out.toString(), err.toString());
  }

  static void put(TestServer s, String name, String document) {
    var r = s.send("PUT", "/api/v1/policies/" + name, ADMIN_TOKEN, "{\"document\":" + document + ",\"reason\":\"test\"}");
    assertThat(r.status()).as(r.body()).isIn(200, 201);
  }

  static JsonNode verify(TestServer s) {
    var r = s.get("/api/v1/audit/verify", ADMIN_TOKEN);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  /** The journal head stored in a database file: {seq, hash}. */
  static String[] head(Path db) throws Exception {
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); var st = c.createStatement();
        var rs = st.executeQuery("SELECT seq, hash FROM journal_head WHERE id = 1")) {
      assertThat(rs.next()).isTrue();
      return new String[] {Long.toString(rs.getLong(1)), rs.getString(2)};
    }
  }

  @Test
  void a_backup_taken_while_the_server_writes_restores_into_a_server_whose_chain_verifies() throws Exception {
    Path backups = TestDatabases.newTempDir();
    Path file = backups.resolve("rollgate-backup.db");
    Path fresh = TestDatabases.newTempDir().resolve("restored");
    try (var live = TestServer.start()) {
      for (int v = 1; v <= 5; v++) {
        put(live, "limits", "{\"max\":" + v + "}");
      }
      long before = verify(live).path("entries").asLong();

      // a writer keeps committing while the backup runs: the copy must still be one consistent snapshot
      var stop = new AtomicBoolean();
      var writes = new AtomicInteger();
      var firstWrite = new CountDownLatch(1);
      var pool = Executors.newSingleThreadExecutor();
      var writer = pool.submit(() -> {
        for (int i = 0; i < 500 && !stop.get(); i++) {
          put(live, "busy", "{\"n\":" + i + "}");
          writes.incrementAndGet();
          firstWrite.countDown();
        }
      });
      assertThat(firstWrite.await(30, TimeUnit.SECONDS)).isTrue();
      Run backup = cli("backup", "--data-dir", live.dataDir().toString(), "--out", file.toString());
      stop.set(true);
      writer.get(60, TimeUnit.SECONDS);
      pool.shutdown();

      assertThat(backup.code()).as(backup.err()).isZero();
      assertThat(backup.out()).contains("journal verified").contains(file.toString());
      assertThat(Files.exists(backups.resolve("rollgate-backup.db.partial"))).isFalse();
      String[] backupHead = head(file);
      long backupSeq = Long.parseLong(backupHead[0]);
      assertThat(backup.out()).contains(", " + backupSeq + " entries");
      assertThat(backupSeq).isBetween(before, verify(live).path("entries").asLong());
      assertThat(writes.get()).isPositive();

      // a second backup to the same file is refused: a backup never overwrites
      Run again = cli("backup", "--data-dir", live.dataDir().toString(), "--out", file.toString());
      assertThat(again.code()).isEqualTo(2);
      assertThat(again.err()).contains(file + " exists; a backup never overwrites a file");

      Run restore = cli("restore", "--from", file.toString(), "--data-dir", fresh.toString());
      assertThat(restore.code()).as(restore.err()).isZero();
      assertThat(restore.out()).contains("restored " + file + " into " + fresh.resolve("rollgate.db"));

      Run twice = cli("restore", "--from", file.toString(), "--data-dir", fresh.toString());
      assertThat(twice.code()).isEqualTo(2);
      assertThat(twice.err()).contains(fresh.resolve("rollgate.db") + " exists; restore into an empty data directory");

      try (var restored = TestServer.start("jdbc:sqlite:" + fresh.resolve("rollgate.db"))) {
        JsonNode v = verify(restored);
        assertThat(v.path("ok").asBoolean()).as(v.toString()).isTrue();
        assertThat(v.path("entries").asLong()).isEqualTo(backupSeq);
        assertThat(v.path("headHash").asText()).isEqualTo(backupHead[1]);
        var limits = restored.get("/api/v1/policies/limits", ADMIN_TOKEN).json();
        assertThat(limits.path("version").asInt()).isEqualTo(5);
        assertThat(limits.path("document").path("max").asInt()).isEqualTo(5);
        // the restored server takes changes on top of the restored chain
        put(restored, "limits", "{\"max\":6}");
        assertThat(verify(restored).path("ok").asBoolean()).isTrue();
      }
    }
  }

  @Test
  void a_journal_altered_behind_the_servers_back_fails_the_backup_and_is_not_restored() throws Exception {
    Path file = TestDatabases.newTempDir().resolve("tampered.db");
    Path fresh = TestDatabases.newTempDir().resolve("restored");
    try (var live = TestServer.start()) {
      put(live, "limits", "{\"max\":1}");
      put(live, "limits", "{\"max\":2}");
      try (var c = DriverManager.getConnection("jdbc:sqlite:" + live.dataDir().resolve("rollgate.db"));
          var st = c.createStatement()) {
        assertThat(st.executeUpdate("UPDATE journal SET actor = 'mallory' WHERE seq = 2")).isEqualTo(1);
      }
      Run backup = cli("backup", "--data-dir", live.dataDir().toString(), "--out", file.toString());
      assertThat(backup.code()).isEqualTo(1);
      assertThat(backup.err()).contains("its journal chain does not verify at entry 2");
      assertThat(file).exists(); // an exact copy of what is there, for the investigation

      Run restore = cli("restore", "--from", file.toString(), "--data-dir", fresh.toString());
      assertThat(restore.code()).isEqualTo(1);
      assertThat(restore.err()).contains("not restored: the journal chain of " + file + " does not verify at entry 2");
      assertThat(fresh.resolve("rollgate.db")).doesNotExist();

      Run json = cli("restore", "--from", file.toString(), "--data-dir", fresh.toString(), "--json");
      assertThat(json.code()).isEqualTo(1);
      var node = io.rollgate.json.Json.mapper().readTree(json.out());
      assertThat(node.path("chainOk").asBoolean()).isFalse();
      assertThat(node.path("firstBadSeq").asLong()).isEqualTo(2);
      assertThat(node.path("problem").asText()).isNotBlank();
      assertThat(fresh.resolve("rollgate.db")).doesNotExist();
    }
  }

  @Test
  void a_missing_database_or_backup_is_a_usage_error_naming_the_path() {
    Path empty = TestDatabases.newTempDir();
    Run backup = cli("backup", "--data-dir", empty.toString(), "--out", empty.resolve("b.db").toString());
    assertThat(backup.code()).isEqualTo(2);
    assertThat(backup.err()).contains("no Rollgate database at " + empty.resolve("rollgate.db"));
    Run restore = cli("restore", "--from", empty.resolve("nope.db").toString(), "--data-dir", empty.toString());
    assertThat(restore.code()).isEqualTo(2);
    assertThat(restore.err()).contains("no backup file at " + empty.resolve("nope.db"));
  }
}
