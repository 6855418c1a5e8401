package io.rollgate.store.journal;

import java.util.function.Supplier;

/**
 * Binds a leader's fencing epoch to the current thread: every command the thread submits while
 * {@link #call} runs carries that epoch, and the journal writer refuses it with
 * {@link FencedException} unless the epoch is still the current one, checked inside the batch
 * transaction under the journal head lock. Leader loops run each action inside one of these, so the
 * stores they call need not know about leadership. A thread-local rather than a parameter: the
 * epoch has to cross store APIs (reconcile, outbox, incidents) that must not grow a leader argument.
 */
public final class Fencing {
  /** The epoch a command carries when it is not a leader action: never checked. */
  public static final long NONE = 0;
  private static final ThreadLocal<Long> EPOCH = new ThreadLocal<>();

  private Fencing() {}

  /** Runs {@code action} with {@code epoch} bound; nests by restoring the outer binding. */
  public static <T> T call(long epoch, Supplier<T> action) {
    if (epoch <= 0) {
      throw new IllegalArgumentException("a fencing epoch is positive, got " + epoch);
    }
    Long outer = EPOCH.get();
    EPOCH.set(epoch);
    try {
      return action.get();
    } finally {
      if (outer == null) {
        EPOCH.remove();
      } else {
        EPOCH.set(outer);
      }
    }
  }

  public static void run(long epoch, Runnable action) {
    call(epoch, () -> {
      action.run();
      return null;
    });
  }

  /** The epoch bound to this thread, or {@link #NONE}. */
  public static long current() {
    Long e = EPOCH.get();
    return e == null ? NONE : e;
  }
}
