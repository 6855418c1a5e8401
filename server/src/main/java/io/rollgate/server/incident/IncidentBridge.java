package io.rollgate.server.incident;

import io.rollgate.audit.JournalEntry;
import io.rollgate.incident.Signal;
import java.time.Duration;
import java.util.List;
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
 * Turns journal entries into incident signals ({@code rollout.rolled_back}, {@code rollout.stepped_back},
 * {@code rollout.paused} by the analysis, {@code policy.verification_failed}, {@code attestation.failed}).
 *
 * <p>It is a journal listener, so it runs on the writer thread after each commit. Signalling there
 * and waiting for the result would deadlock: the writer would wait for a command only it can
 * execute. So the listener only maps entries (pure, fast) and hands the signals to one thread of
 * its own, which submits them in order. Signals are therefore committed shortly after the entry
 * that caused them; {@link #awaitIdle} waits for that, for tests and for shutdown.
 */
public final class IncidentBridge implements Consumer<List<JournalEntry>>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IncidentBridge.class);
  /** Signals waiting for the bridge thread; a journal batch is at most a few hundred entries. */
  static final int MAX_PENDING = 10_000;

  private final IncidentService incidents;
  private final ExecutorService worker;
  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final Object idle = new Object();

  private final java.util.function.UnaryOperator<Runnable> around;

  public IncidentBridge(IncidentService incidents) {
    this(incidents, java.util.function.UnaryOperator.identity());
  }

  /** @param around wraps each signal's work (on replicas: only the leader signals, fenced) */
  public IncidentBridge(IncidentService incidents, java.util.function.UnaryOperator<Runnable> around) {
    this.incidents = incidents;
    this.around = around;
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(MAX_PENDING),
        Thread.ofPlatform().name("rollgate-incident-bridge").daemon(true).factory());
  }

  @Override
  public void accept(List<JournalEntry> batch) {
    for (JournalEntry e : batch) {
      Bridges.signalFor(e).ifPresent(s -> handOff(s, e.seq()));
    }
  }

  private void handOff(Signal s, long seq) {
    submitted.incrementAndGet();
    try {
      worker.execute(() -> {
        boolean[] ran = {false};
        try {
          around.apply(() -> {
            ran[0] = true;
            run(s, seq);
          }).run();
        } finally {
          if (!ran[0]) {
            finished(); // not the leader: the leader's bridge signals this entry
          }
        }
      });
    } catch (RejectedExecutionException full) {
      finished();
      log.error("incident bridge: {} signals already waiting (or shutting down); the signal from journal entry {} "
          + "({}, {}) was not recorded", MAX_PENDING, seq, s.kind().wire(), s.source());
    }
  }

  private void run(Signal s, long seq) {
    try {
      var r = incidents.signal(s);
      log.info("incident {}: {} from journal entry {} ({} '{}')", r.incident().id(), r.outcome().wire(), seq,
          s.kind().wire(), s.source());
    } catch (RuntimeException e) {
      log.error("incident bridge: the signal from journal entry {} ({} '{}') failed: {}", seq, s.kind().wire(),
          s.source(), e.toString());
    } finally {
      finished();
    }
  }

  private void finished() {
    done.incrementAndGet();
    synchronized (idle) {
      idle.notifyAll();
    }
  }

  /** Waits until every signal handed off so far is committed (or failed); false on timeout. */
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

  /** Lets the signals already handed off commit (up to 5 s), then stops; call before the journal closes. */
  @Override
  public void close() {
    worker.shutdown();
    try {
      if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("incident bridge: {} signals not recorded at shutdown", submitted.get() - done.get());
        worker.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      worker.shutdownNow();
    }
  }
}
