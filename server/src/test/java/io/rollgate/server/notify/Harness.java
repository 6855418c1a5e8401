package io.rollgate.server.notify;

import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalConfig;
import io.rollgate.store.testing.MutableClock;
import io.rollgate.store.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/** A database, a journal and a Notifications on a mutable clock; {@link #restart} reopens all three on the same files. */
final class Harness implements AutoCloseable {
  static final NotifySettings.Delivery FAST = new NotifySettings.Delivery(Duration.ofSeconds(2), 20,
      Duration.ofSeconds(2), Duration.ofMinutes(10));

  final Path dir = TestDatabases.newTempDir();
  final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");
  final NotifySettings settings;
  Database db;
  Journal journal;
  Notifications notifications;

  Harness(List<SinkSpec> sinks) {
    this.settings = new NotifySettings(sinks, null, FAST);
    open();
  }

  private void open() {
    db = Database.sqlite(dir);
    journal = new Journal(db, clock, JournalConfig.DEFAULTS);
    notifications = Notifications.create(db, journal, settings, "rollgate.yaml", clock, new Random(42));
  }

  /** As a process restart: everything in memory is gone, the files stay. */
  void restart() {
    close();
    open();
  }

  void opened(IncidentNotice n) {
    journal.execute(tx -> {
      notifications.incidentOpened(tx, n);
      return null;
    });
  }

  void updated(IncidentNotice n) {
    journal.execute(tx -> {
      notifications.incidentUpdated(tx, n);
      return null;
    });
  }

  /** Delivers until nothing is pending, advancing the clock past each wait; bounded. Returns the rounds taken. */
  int drain() {
    for (int round = 0; round < 200; round++) {
      int attempts = notifications.deliverDue();
      long now = clock.instant().toEpochMilli();
      var pending = db.reads().withHandle(h -> h.createQuery(
          "SELECT COUNT(*) FROM notify_outbox WHERE state = 'pending'").mapTo(Long.class).one());
      if (pending == 0) {
        return round + 1;
      }
      if (attempts == 0) { // everything left waits: jump to the next retry time
        var next = db.reads().withHandle(h -> h.createQuery(
            "SELECT MIN(next_attempt_at) FROM notify_outbox WHERE state = 'pending' AND next_attempt_at > :now")
            .bind("now", now).mapTo(Long.class).findOne());
        if (next.isEmpty() || next.get() == null) {
          break;
        }
        clock.set(Instant.ofEpochMilli(next.get()));
      }
    }
    throw new AssertionError("outbox did not drain in 200 rounds: " + db.reads().withHandle(h -> h.createQuery(
        "SELECT id, sink_id, message, state, attempts, next_attempt_at, last_error FROM notify_outbox WHERE state = 'pending'")
        .mapToMap().list()) + " at " + clock.instant());
  }

  static IncidentNotice incident(String id, long occurrences, String state) {
    return new IncidentNotice(id, "rollout_regression", "sev1", "checkout p99 regressed", "Error rate 4.1% > 1%.",
        "checkout", "k-" + id, state, occurrences, Instant.parse("2025-01-01T00:00:00Z"),
        "http://127.0.0.1:8080/api/v1/incidents/" + id);
  }

  @Override
  public void close() {
    notifications.close();
    journal.close();
    db.close();
  }
}
