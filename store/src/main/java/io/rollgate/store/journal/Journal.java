package io.rollgate.store.journal;

import io.rollgate.audit.JournalEntry;
import io.rollgate.error.RollgateException;
import io.rollgate.error.SaturatedException;
import io.rollgate.store.db.Database;
import io.rollgate.store.db.Dialect;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of all state (DESIGN.md §2). Callers {@link #submit} commands to a bounded
 * queue; one thread takes them in batches, runs each inside one transaction under its own
 * savepoint (opened when the command first touches the database, see {@link Tx#handle()}), appends
 * their entries to the hash chain, commits (group commit: one fsync per batch),
 * and only then completes the callers' futures and tells listeners. Hand-written because it is the
 * product's core: no library gives durable-before-ack group commit with a per-command savepoint.
 */
public final class Journal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);

  private final Jdbi writer;
  private final Dialect dialect;
  private final InstantSource clock;
  private final JournalConfig config;
  private final ArrayBlockingQueue<Pending<?>> queue;
  private final ReentrantReadWriteLock admission = new ReentrantReadWriteLock();
  private final JournalFollower follower;
  private final Thread thread;
  private final JournalObserver observer;
  private final boolean lockHead;
  private volatile boolean accepting = true;
  private volatile String lastError;

  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong committedCommands = new AtomicLong();
  private final AtomicLong saturations = new AtomicLong();

  /** @param epoch the fencing epoch of a leader action, or {@link Fencing#NONE} */
  private record Pending<R>(Command<R> command, CompletableFuture<R> future, long epoch) {}

  /** Where the writer announces each batch's new head to other replicas (PostgreSQL). */
  static final String CHANNEL = "rollgate_journal";

  public Journal(Database db, InstantSource clock, JournalConfig config) {
    this(db, clock, config, JournalObserver.NONE);
  }

  /** As {@link #Journal(Database, InstantSource, JournalConfig)}, reporting its work to {@code observer}. */
  public Journal(Database db, InstantSource clock, JournalConfig config, JournalObserver observer) {
    this(db, clock, config, observer, true);
  }

  /** @param lockHead false only in the test that shows two replicas' writers collide without the head lock */
  Journal(Database db, InstantSource clock, JournalConfig config, JournalObserver observer, boolean lockHead) {
    this.lockHead = lockHead;
    this.observer = java.util.Objects.requireNonNull(observer, "observer");
    this.writer = Jdbi.create(db.writerSource());
    this.dialect = db.dialect();
    this.clock = clock;
    this.config = config;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    this.follower = new JournalFollower(new JournalReader(db), headOrUnknown(db), clock);
    this.thread = Thread.ofPlatform().name("rollgate-journal-writer").unstarted(this::run);
    this.thread.start();
  }

  /**
   * Queues {@code command}; the future completes after its batch is durable, or exceptionally
   * with what the command threw. Waits up to {@code submitTimeout} for queue space, then throws
   * {@link SaturatedException}: back-pressure, never a silent drop.
   */
  public <R> CompletableFuture<R> submit(Command<R> command) {
    var pending = new Pending<>(command, new CompletableFuture<R>(), Fencing.current());
    admission.readLock().lock();
    try {
      if (!accepting) {
        observe(() -> observer.rejected(JournalObserver.Rejection.SHUTDOWN));
        throw new JournalException("journal is shutting down; no new commands are accepted");
      }
      if (!queue.offer(pending, config.submitTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
        saturations.incrementAndGet();
        observe(() -> observer.rejected(JournalObserver.Rejection.SATURATED));
        throw new SaturatedException("journal saturated: " + queue.size() + " of " + config.queueCapacity()
            + " queue slots still full after waiting " + config.submitTimeout().toMillis() + " ms",
            Duration.ofSeconds(1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JournalException("interrupted while waiting for journal queue space", e);
    } finally {
      admission.readLock().unlock();
    }
    return pending.future();
  }

  /** Submits and waits for the durable result; rethrows what the command threw. */
  public <R> R execute(Command<R> command) {
    CompletableFuture<R> f = submit(command);
    try {
      return f.get(config.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new JournalException("command failed: " + cause, cause);
    } catch (TimeoutException e) {
      throw JournalException.outcomeUnknown("no commit acknowledgement within " + config.ackTimeout().toMillis()
          + " ms; the command is still queued and may yet be applied", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw JournalException.outcomeUnknown(
          "interrupted while waiting for the journal commit; the command may yet be applied", e);
    }
  }

  /**
   * Listeners get every committed entry exactly once, in sequence order, in batches: this writer's
   * batches on the writer thread right after their commit (after the callers' futures complete),
   * and, on a PostgreSQL replica, other replicas' entries on the thread that calls {@link #catchUp}.
   * Keep them fast, and never wait there for a journal command.
   */
  public void addListener(Consumer<List<JournalEntry>> listener) {
    follower.addListener(listener);
  }

  /**
   * Reads the entries committed after the last one delivered (by any replica) and delivers them to
   * the listeners; returns how many. {@link JournalTail} calls it on a notification or a poll.
   */
  public int catchUp() {
    return follower.catchUp();
  }

  /** The last journal sequence number delivered to the listeners. */
  public long followerPosition() {
    return follower.position();
  }

  /** How long the last entry read back by {@link #catchUp} took from its commit to its listeners. */
  public Duration tailLag() {
    return follower.tailLag();
  }

  /** Entries delivered by {@link #catchUp} rather than by this writer's own commits. */
  public long tailedEntries() {
    return follower.tailed();
  }

  private static long headOrUnknown(Database db) {
    try {
      return new JournalReader(db).head().seq();
    } catch (RuntimeException e) { // the store is down: the first batch or catch-up sets the position
      log.warn("journal: cannot read the head at start ({}); listeners start at the first entry seen", e.toString());
      return -1;
    }
  }

  public int queueDepth() {
    return queue.size();
  }

  public int queueCapacity() {
    return config.queueCapacity();
  }

  public long batches() {
    return batches.get();
  }

  public long committedCommands() {
    return committedCommands.get();
  }

  public long saturations() {
    return saturations.get();
  }

  /** Null when the writer is running and its last batch committed; otherwise the reason it is not. */
  public String problem() {
    if (!thread.isAlive()) {
      return "journal writer thread is not running";
    }
    return lastError;
  }

  private void run() {
    var batch = new ArrayList<Pending<?>>(config.maxBatch());
    while (true) {
      Pending<?> first;
      try {
        first = queue.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue; // shutdown is signalled by accepting=false, not by interrupt
      }
      if (first == null) {
        if (!accepting && queue.isEmpty()) {
          return;
        }
        continue;
      }
      batch.add(first);
      queue.drainTo(batch, config.maxBatch() - 1);
      try {
        runBatch(batch);
      } catch (Throwable t) { // never let the writer die: fail this batch, keep serving
        log.error("journal batch of {} failed unexpectedly", batch.size(), t);
        int failed = batch.size();
        observe(() -> observer.batchFailed(failed));
        for (Pending<?> p : batch) {
          p.future().completeExceptionally(new JournalException("journal write failed: " + t, t));
        }
      }
      batch.clear();
    }
  }

  private void runBatch(List<Pending<?>> batch) {
    Object[] results = new Object[batch.size()];
    Throwable[] failures = new Throwable[batch.size()];
    List<JournalEntry> entries = new ArrayList<>();
    List<String> payloads = new ArrayList<>(); // canonical text of each entry's payload
    long started = System.nanoTime();
    try (Handle h = writer.open()) {
      h.begin();
      try {
        var head = h.createQuery("SELECT seq, hash FROM journal_head WHERE id = 1" + (lockHead ? dialect.lockSuffix() : ""))
            .map((rs, ctx) -> new Object[] {rs.getLong(1), rs.getString(2)})
            .one();
        long headSeq = (Long) head[0];
        String headHash = (String) head[1];
        long epoch = currentEpoch(h, batch); // read under the head lock, which elections take too
        for (int i = 0; i < batch.size(); i++) {
          long carried = batch.get(i).epoch();
          if (carried != Fencing.NONE && carried != epoch) {
            failures[i] = new FencedException(carried, epoch); // a deposed leader: not run, not applied
            continue;
          }
          Tx tx = new Tx(h, clock.instant(), headSeq, headHash); // opens a savepoint on first handle()
          try {
            results[i] = batch.get(i).command().execute(tx);
          } catch (Exception e) {
            failures[i] = e;
          }
          if (tx.savepointFailure() != null) {
            throw tx.savepointFailure(); // the transaction is unusable: fail the batch, as before
          }
          Savepoint savepoint = tx.savepoint();
          if (failures[i] == null) {
            if (savepoint != null) {
              release(h, savepoint);
            }
            entries.addAll(tx.appended());
            payloads.addAll(tx.appendedPayloads());
            headSeq = tx.headSeq();
            headHash = tx.headHash();
          } else if (savepoint != null) {
            rollbackTo(h, savepoint);
          }
        }
        if (!entries.isEmpty()) {
          insert(h, entries, payloads);
          h.createUpdate("UPDATE journal_head SET seq = :seq, hash = :hash WHERE id = 1")
              .bind("seq", headSeq).bind("hash", headHash).execute();
          if (dialect == Dialect.POSTGRESQL) {
            // one wake-up per batch, delivered at commit; replicas tail the journal, never trust the payload alone
            h.execute("NOTIFY " + CHANNEL + ", '" + headSeq + "'");
          }
        }
        h.commit();
      } catch (RuntimeException e) {
        rollbackQuietly(h);
        throw e;
      }
    } catch (RuntimeException e) {
      lastError = "last batch failed to commit: " + e.getMessage();
      log.error("journal batch of {} commands failed to commit; none acknowledged", batch.size(), e);
      observe(() -> observer.batchFailed(batch.size()));
      for (Pending<?> p : batch) {
        p.future().completeExceptionally(new JournalException("journal commit failed: " + e.getMessage(), e));
      }
      return;
    }
    lastError = null;
    batches.incrementAndGet();
    committedCommands.addAndGet(batch.size());
    lastBatchNanos = System.nanoTime() - started;
    lastBatchSize = batch.size();
    long nanos = lastBatchNanos;
    int failed = countFailures(failures);
    observe(() -> observer.batchCommitted(batch.size(), failed, entries.size(), nanos));
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), results[i], failures[i]);
    }
    if (!entries.isEmpty()) {
      try {
        follower.committed(entries);
      } catch (RuntimeException e) { // committed and acknowledged: the next catch-up delivers what this missed
        log.error("journal: delivering entries {}..{} to listeners failed", entries.getFirst().seq(),
            entries.getLast().seq(), e);
      }
    }
  }

  /** The cluster's fencing epoch, read only when some command in the batch carries one. */
  private static long currentEpoch(Handle h, List<Pending<?>> batch) {
    for (Pending<?> p : batch) {
      if (p.epoch() != Fencing.NONE) {
        return h.createQuery("SELECT epoch FROM cluster_leader WHERE id = 1").mapTo(Long.class).one();
      }
    }
    return Fencing.NONE;
  }

  private volatile long lastBatchNanos;
  private volatile int lastBatchSize;

  /** Duration of the last committed batch, including its fsync. */
  public Duration lastBatchDuration() {
    return Duration.ofNanos(lastBatchNanos);
  }

  public int lastBatchSize() {
    return lastBatchSize;
  }

  private static int countFailures(Throwable[] failures) {
    int n = 0;
    for (Throwable f : failures) {
      if (f != null) {
        n++;
      }
    }
    return n;
  }

  /** A broken observer must never fail a command or stop the writer. */
  private void observe(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("journal observer {} failed", observer, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <R> void complete(Pending<R> p, Object result, Throwable failure) {
    if (failure != null) {
      if (!(failure instanceof RollgateException) && !(failure instanceof IllegalArgumentException)
          && !(failure instanceof FencedException)) {
        log.warn("journal command failed", failure);
      }
      p.future().completeExceptionally(failure);
    } else {
      p.future().complete((R) result);
    }
  }

  private static void insert(Handle h, List<JournalEntry> entries, List<String> payloads) {
    var batch = h.prepareBatch("""
        INSERT INTO journal (seq, recorded_at, type, subject, actor, payload, prev_hash, hash)
        VALUES (:seq, :recordedAt, :type, :subject, :actor, :payload, :prevHash, :hash)
        """);
    for (int i = 0; i < entries.size(); i++) {
      JournalEntry e = entries.get(i);
      batch.bind("seq", e.seq())
          .bind("recordedAt", e.recordedAt().toEpochMilli())
          .bind("type", e.type())
          .bind("subject", e.subject())
          .bind("actor", e.actor())
          .bind("payload", payloads.get(i))
          .bind("prevHash", e.prevHash())
          .bind("hash", e.hash())
          .add();
    }
    batch.execute();
  }

  // JDBC savepoints rather than Handle.savepoint(name): Jdbi forgets a named savepoint once it has
  // been rolled back to, so it can no longer be released, and a failed release failed the whole batch.
  static Savepoint savepoint(Handle h) {
    try {
      return h.getConnection().setSavepoint();
    } catch (SQLException e) {
      throw new JournalException("cannot set a savepoint: " + e.getMessage(), e);
    }
  }

  private static void release(Handle h, Savepoint savepoint) {
    try {
      h.getConnection().releaseSavepoint(savepoint);
    } catch (SQLException e) {
      throw new JournalException("cannot release a savepoint: " + e.getMessage(), e);
    }
  }

  /** Undoes one failed command and drops its savepoint; if that fails the batch cannot continue. */
  private static void rollbackTo(Handle h, Savepoint savepoint) {
    try {
      h.getConnection().rollback(savepoint);
      h.getConnection().releaseSavepoint(savepoint);
    } catch (SQLException e) {
      throw new JournalException("cannot roll back a failed command: " + e.getMessage(), e);
    }
  }

  private static void rollbackQuietly(Handle h) {
    try {
      h.rollback();
    } catch (RuntimeException e) {
      log.warn("rollback after a failed batch also failed", e);
    }
  }

  /** Stops accepting commands, lets the writer drain and commit everything queued, then returns. */
  @Override
  public void close() {
    admission.writeLock().lock();
    try {
      accepting = false;
    } finally {
      admission.writeLock().unlock();
    }
    try {
      thread.join(config.ackTimeout().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.error("journal writer did not drain within {} ms; {} commands still queued",
          config.ackTimeout().toMillis(), queue.size());
    }
  }
}
