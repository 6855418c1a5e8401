package io.rollgate.store.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.store.testing.TestDatabases;
import java.nio.file.Path;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

/**
 * A Rollgate older than its database (a downgrade, or an old replica restarting after another one migrated)
 * refuses to start, naming both versions, instead of running on a schema it does not know.
 */
class SchemaDowngradeTest {
  @Test
  void a_database_migrated_by_a_newer_rollgate_is_refused_with_both_versions() throws Exception {
    Path dir = TestDatabases.newTempDir();
    String known;
    try (var db = Database.sqlite(dir)) {
      known = db.reads().withHandle(h -> h.createQuery(
          "SELECT version FROM flyway_schema_history WHERE success = 1 ORDER BY installed_rank DESC LIMIT 1")
          .mapTo(String.class).one());
    }
    // what a newer release's migration V999 leaves behind
    try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("rollgate.db")); var st = c.createStatement()) {
      st.executeUpdate("""
          INSERT INTO flyway_schema_history
            (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
          VALUES ((SELECT MAX(installed_rank) + 1 FROM flyway_schema_history), '999', 'from the future', 'SQL',
            'V999__from_the_future.sql', 0, 'test', 1, 1)
          """);
    }

    assertThatThrownBy(() -> Database.sqlite(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("database schema is at version 999")
        .hasMessageContaining("this Rollgate knows versions up to " + known)
        .hasMessageContaining("restore the backup taken before the upgrade");
  }

  @Test
  void a_database_at_the_known_version_opens_again() {
    Path dir = TestDatabases.newTempDir();
    Database.sqlite(dir).close();
    try (var db = Database.sqlite(dir)) {
      assertThat(db.check()).isNull();
    }
  }
}
