package io.rollgate.store.journal;

/**
 * What the journal writer reports about its own work, for metrics. Keeps the store free of any
 * metrics library: the server implements this with Prometheus. Every method has a no-op default.
 *
 * <p>Calls come from the writer thread (batches) or from submitting threads (rejections); an
 * implementation must be thread-safe and fast, and must not call back into the journal. What it
 * throws is logged and ignored.
 */
public interface JournalObserver {
  /** Observes nothing. */
  JournalObserver NONE = new JournalObserver() {};

  /** Why {@link Journal#submit} refused a command without queueing it. */
  enum Rejection {
    /** the queue stayed full for the whole submit timeout */
    SATURATED,
    /** the journal is closing */
    SHUTDOWN
  }

  /**
   * A batch committed durably. Called after the commit and before the callers' futures complete.
   *
   * @param commands commands in the batch, including those that failed
   * @param failed commands that threw and were rolled back to their savepoint; the rest committed
   * @param entries journal entries the batch appended
   * @param nanos time from the start of the batch's transaction to the end of its commit
   */
  default void batchCommitted(int commands, int failed, int entries, long nanos) {}

  /** A batch of {@code commands} could not commit; every one of them failed and nothing was recorded. */
  default void batchFailed(int commands) {}

  /** {@link Journal#submit} refused a command. */
  default void rejected(Rejection reason) {}
}
