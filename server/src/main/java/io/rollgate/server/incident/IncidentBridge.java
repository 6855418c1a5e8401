package io.rollgate.server.incident;

import io.rollgate.audit.JournalEntry;
import io.rollgate.incident.Signal;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalReader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns journal entries into incident signals ({@code rollout.rolled_back}, {@code rollout.stepped_back}
 * and {@code rollout.paused} by the analysis, {@code policy.verification_failed}, {@code attestation.failed}).
 *
 * <p>It is a journal listener, so it runs on the writer thread after each commit. Signalling there
 * and waiting for the result would deadlock: the writer would wait for a command only it can
 * execute. So the listener only maps entries (pure, fast) and hands the signals to one thread of
 * its own, which submits them in order; {@link #awaitIdle} waits for that, for tests and for shutdown.
 *
 * <p>Crash-safety: a signal and the bridge's cursor (the entry's seq, table {@code incident_bridge_cursor})
 * commit in one command, and an entry at or below the cursor is skipped. {@link #start} first replays
 * the journal after the cursor, on the bridge's thread, before anything the listener hands over; so an
 * entry committed while the process was down, or after its commit but before its signal, becomes an
 * incident at the next start, and none becomes two.
 *
 * <p>On replicas only the leader signals ({@code around}, the cluster's leader-only wrapper). A replica
 * that skipped entries while it was not the leader is behind: the first time it runs as leader it
 * replays after the shared cursor before its next signal, and it never saves its cursor on close.
 */
public final class IncidentBridge implements Consumer<List<JournalEntry>>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IncidentBridge.class);
  /** Signals waiting for the bridge thread; a journal batch is at most a few hundred entries. */
  static final int MAX_PENDING = 10_000;
  /** The cursor's name in {@code incident_bridge_cursor}. */
  public static final String CURSOR = "incident-bridge";
  static final int REPLAY_PAGE = 500;

  private final IncidentService incidents;
  private final JournalReader reader;
  private final ExecutorService worker;
  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong lastSeen = new AtomicLong();
  /** A signal was refused a place in the queue: the cursor must stay before it for the next start to replay it. */
  private final java.util.concurrent.atomic.AtomicBoolean dropped = new java.util.concurrent.atomic.AtomicBoolean();
  private final Object idle = new Object();
  private final CountDownLatch listening = new CountDownLatch(1);
  private final java.util.function.UnaryOperator<Runnable> around;
  /** Entries were skipped while another replica led: replay after the cursor before signalling again. */
  private final java.util.concurrent.atomic.AtomicBoolean behind = new java.util.concurrent.atomic.AtomicBoolean();

  public IncidentBridge(IncidentService incidents, JournalReader reader) {
    this(incidents, reader, java.util.function.UnaryOperator.identity());
  }

  /** @param around wraps the bridge's work (on replicas: only the leader signals, fenced) */
  public IncidentBridge(IncidentService incidents, JournalReader reader,
      java.util.function.UnaryOperator<Runnable> around) {
    this.incidents = incidents;
    this.reader = reader;
    this.around = around;
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(MAX_PENDING),
        Thread.ofPlatform().name("rollgate-incident-bridge").daemon(true).factory());
  }

  /**
   * Starts following {@code journal}: a database that never had a cursor starts at its head (there is
   * nothing to replay: before this version the bridge kept no cursor); otherwise the entries after
   * the cursor are replayed first, then the listener's, in journal order.
   */
  public void start(Journal journal) {
    if (incidents.store().cursor(CURSOR).isEmpty()) {
      incidents.store().advanceCursor(CURSOR, reader.head().seq());
    }
    submitted.incrementAndGet();
    worker.execute(() -> { // first in the queue: it waits until the listener is registered
      try {
        listening.await();
        behind.set(true);
        asLeader(() -> { });
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        finished();
      }
    });
    journal.addListener(this);
    listening.countDown();
  }

  /** Runs {@code work} if this replica leads, replaying after the cursor first when it is behind. */
  private void asLeader(Runnable work) {
    boolean[] ran = {false};
    around.apply(() -> {
      ran[0] = true;
      if (behind.getAndSet(false)) {
        replay();
      }
      work.run();
    }).run();
    if (!ran[0]) {
      behind.set(true); // the leader's bridge signals this entry; we catch up if we ever lead
    }
  }

  /** From here on every entry past the head is also handed over by the listener. */
  private void replay() {
    try {
      long cursor = incidents.store().cursor(CURSOR).orElse(0);
      long head = reader.head().seq();
      long after = cursor;
      int signals = 0;
      while (after < head) {
        List<JournalEntry> page = reader.page(after, REPLAY_PAGE);
        if (page.isEmpty()) {
          break;
        }
        for (JournalEntry e : page) {
          if (e.seq() > head) {
            break;
          }
          var s = Bridges.signalFor(e);
          if (s.isPresent()) {
            signals += record(s.get(), e.seq()) ? 1 : 0;
          }
          after = e.seq();
        }
      }
      if (after > cursor) {
        incidents.store().advanceCursor(CURSOR, after);
      }
      if (after > cursor) {
        log.info("incident bridge: replayed journal entries {} to {} after a restart: {} signal(s) recorded",
            cursor + 1, after, signals);
      }
    } catch (RuntimeException e) {
      behind.set(true); // try again before the next signal
      log.error("incident bridge: replaying the journal after the cursor failed: {}", e.toString());
    }
  }

  @Override
  public void accept(List<JournalEntry> batch) {
    for (JournalEntry e : batch) {
      lastSeen.accumulateAndGet(e.seq(), Math::max);
      Bridges.signalFor(e).ifPresent(s -> handOff(s, e.seq()));
    }
  }

  private void handOff(Signal s, long seq) {
    submitted.incrementAndGet();
    try {
      worker.execute(() -> run(s, seq));
    } catch (RejectedExecutionException full) {
      dropped.set(true);
      finished();
      log.error("incident bridge: {} signals already waiting (or shutting down); the signal from journal entry {} "
          + "({}, {}) is recorded when the bridge next starts", MAX_PENDING, seq, s.kind().wire(), s.source());
    }
  }

  private void run(Signal s, long seq) {
    try {
      asLeader(() -> record(s, seq));
    } finally {
      finished();
    }
  }

  /** True when recorded, false when the cursor was past it already (or it failed). */
  private boolean record(Signal s, long seq) {
    try {
      var r = incidents.signalFromJournal(CURSOR, seq, s);
      r.ifPresent(x -> log.info("incident {}: {} from journal entry {} ({} '{}')", x.incident().id(),
          x.outcome().wire(), seq, s.kind().wire(), s.source()));
      return r.isPresent();
    } catch (RuntimeException e) {
      log.error("incident bridge: the signal from journal entry {} ({} '{}') failed: {}", seq, s.kind().wire(),
          s.source(), e.toString());
      return false;
    }
  }

  private void finished() {
    done.incrementAndGet();
    synchronized (idle) {
      idle.notifyAll();
    }
  }

  /** Waits until every signal handed off so far (and the start's replay) is committed or failed; false on timeout. */
  public boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long target = submitted.get();
    synchronized (idle) {
      while (done.get() < target) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(idle, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Lets the signals already handed off commit (up to 5 s), then moves the cursor to the last entry seen
   * (so the next start does not read them again) and stops; call before the journal closes.
   */
  @Override
  public void close() {
    listening.countDown(); // a start that failed half-way must not leave the replay waiting
    worker.shutdown();
    try {
      if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("incident bridge: {} signals not recorded at shutdown; they are replayed at the next start",
            submitted.get() - done.get());
        worker.shutdownNow();
        return;
      }
      long seen = lastSeen.get();
      if (seen > 0 && !dropped.get() && !behind.get()) {
        incidents.store().advanceCursor(CURSOR, seen);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      worker.shutdownNow();
    } catch (RuntimeException e) { // the journal is already failing: the next start replays from the cursor
      log.warn("incident bridge: could not save its cursor at shutdown: {}", e.toString());
    }
  }
}
