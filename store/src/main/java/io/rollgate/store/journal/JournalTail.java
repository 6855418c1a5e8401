package io.rollgate.store.journal;

import io.rollgate.store.db.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL replica's follower of other replicas' commits: LISTENs on a dedicated connection
 * and, on each notification or every {@code poll} without one, has the journal {@link Journal#catchUp
 * catch up} from the last entry it delivered. The notification is only a wake-up: what is delivered
 * is always read from the journal, so a notification lost with a dropped connection, a restart or a
 * full queue costs latency, never an event. A lost connection is reopened with backoff, and the
 * first thing after each LISTEN is a catch-up (what committed while nobody listened).
 */
public final class JournalTail implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JournalTail.class);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final Database db;
  private final Journal journal;
  private final Duration poll;
  private final Thread thread;
  private final AtomicLong notifications = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private volatile boolean running = true;
  private volatile Connection connection;
  private volatile int backendPid;
  private volatile long notifiedHead;

  /** @param poll how long to wait for a notification before catching up anyway (the fallback) */
  public JournalTail(Database db, Journal journal, Duration poll) {
    this.db = Objects.requireNonNull(db, "db");
    this.journal = Objects.requireNonNull(journal, "journal");
    if (poll.compareTo(Duration.ofMillis(10)) < 0 || poll.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("journal tail poll must be between 10 ms and 5 min, got " + poll.toMillis()
          + " ms");
    }
    this.poll = poll;
    this.thread = Thread.ofPlatform().daemon().name("rollgate-journal-tail").unstarted(this::run);
  }

  public JournalTail start() {
    thread.start();
    return this;
  }

  /** Notifications received since start (each wakes one catch-up). */
  public long notifications() {
    return notifications.get();
  }

  /** Times the LISTEN connection was reopened after it was lost. */
  public long reconnects() {
    return reconnects.get();
  }

  /** The head sequence number of the last notification received (0 before any). */
  public long notifiedHead() {
    return notifiedHead;
  }

  /** The server process id of the LISTEN connection, 0 while disconnected: tests terminate it to drop it. */
  public int backendPid() {
    return backendPid;
  }

  private void run() {
    long backoffMs = 100;
    boolean first = true;
    while (running) {
      try (Connection c = db.dedicatedConnection("listen")) {
        connection = c;
        try (var st = c.createStatement()) {
          st.execute("LISTEN " + Journal.CHANNEL);
          try (var rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            backendPid = rs.getInt(1);
          }
        }
        if (!first) {
          reconnects.incrementAndGet();
          log.info("journal tail: listening again after a lost connection");
        }
        first = false;
        backoffMs = 100;
        journal.catchUp(); // after LISTEN: whatever committed before it is read here, whatever after is notified
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] got = pg.getNotifications((int) poll.toMillis());
          if (got != null && got.length > 0) {
            notifications.addAndGet(got.length);
            notifiedHead = parseHead(got[got.length - 1].getParameter(), notifiedHead);
          }
          journal.catchUp(); // notified, or the fallback poll
        }
      } catch (SQLException | RuntimeException e) {
        backendPid = 0;
        if (!running) {
          return;
        }
        log.warn("journal tail: {}; reconnecting in {} ms", e.toString(), backoffMs);
        if (!sleep(backoffMs)) {
          return;
        }
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF.toMillis());
      } finally {
        connection = null;
      }
    }
  }

  private static long parseHead(String payload, long previous) {
    try {
      return Math.max(previous, Long.parseLong(payload));
    } catch (NumberFormatException e) {
      return previous;
    }
  }

  private boolean sleep(long ms) {
    try {
      Thread.sleep(ms); // reconnect backoff on a background thread, interrupted by close()
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** Stops listening; entries committed afterwards are not delivered by this tail. */
  @Override
  public void close() {
    running = false;
    Connection c = connection;
    if (c != null) {
      try {
        c.close(); // unblocks getNotifications
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
