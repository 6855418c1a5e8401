package io.rollgate.store.testing;

import io.rollgate.store.journal.Journal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds the journal writer inside a command that waits on a latch, so that commands submitted
 * meanwhile queue up and are taken as one batch when {@link #release()} is called. The holding
 * command appends nothing, so its own batch commits even when the journal table is unusable.
 */
public final class WriterGate implements AutoCloseable {
  private static final long MAX_HOLD_SECONDS = 30;

  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final CompletableFuture<Object> held;

  private WriterGate(Journal journal) {
    held = journal.submit(tx -> {
      entered.countDown();
      if (!release.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS)) {
        throw new IllegalStateException("writer gate was never released");
      }
      return "released";
    });
  }

  /** Submits the holding command and returns once the writer is executing it. */
  public static WriterGate hold(Journal journal) {
    var gate = new WriterGate(journal);
    try {
      if (!gate.entered.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("journal writer did not pick up the gate command within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return gate;
  }

  public void release() {
    release.countDown();
  }

  /** Completes when the holding command's batch has committed. */
  public CompletableFuture<Object> held() {
    return held;
  }

  @Override
  public void close() {
    release();
  }
}
