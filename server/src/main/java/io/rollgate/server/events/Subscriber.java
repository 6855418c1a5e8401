package io.rollgate.server.events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client's bounded buffer of committed journal entries. The journal writer {@link #offer}s
 * without ever waiting for the client; the client's own thread takes them with {@link #next}.
 * A full buffer is not waited on: the subscriber is marked overflowed and gets nothing more.
 */
final class Subscriber {
  /** What the client's thread should do next; shutdown wins over entries, overflow comes after them. */
  sealed interface Next {
    record Entries(List<Frame> frames) implements Next {}

    record Idle() implements Next {}

    record Overflowed(int capacity) implements Next {}

    record ShuttingDown() implements Next {}
  }

  private enum State { OPEN, OVERFLOWED, SHUTDOWN }

  private static final Next IDLE = new Next.Idle();
  private static final Next SHUTTING_DOWN = new Next.ShuttingDown();

  private final int capacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Frame> buffer = new ArrayDeque<>();
  private State state = State.OPEN;

  Subscriber(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Appends as many of {@code frames} as fit. Returns false when this call overflowed the buffer
   * (the entries before the one that did not fit are kept, so what the client gets stays contiguous).
   */
  boolean offer(List<Frame> frames) {
    lock.lock();
    try {
      if (state != State.OPEN) {
        return true;
      }
      for (Frame e : frames) {
        if (buffer.size() >= capacity) {
          state = State.OVERFLOWED;
          changed.signal();
          return false;
        }
        buffer.add(e);
      }
      changed.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Asks the client's thread to stop; what is still buffered is not delivered (the client resumes from the journal). */
  void shutdown() {
    lock.lock();
    try {
      state = State.SHUTDOWN;
      buffer.clear();
      changed.signal();
    } finally {
      lock.unlock();
    }
  }

  boolean isShutdown() {
    lock.lock();
    try {
      return state == State.SHUTDOWN;
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code nanos} for something to do; {@link Next.Idle} when nothing came. */
  Next next(long nanos) throws InterruptedException {
    lock.lock();
    try {
      long left = nanos;
      while (buffer.isEmpty() && state == State.OPEN && left > 0) {
        left = changed.awaitNanos(left);
      }
      if (state == State.SHUTDOWN) {
        return SHUTTING_DOWN;
      }
      if (!buffer.isEmpty()) {
        var out = new ArrayList<Frame>(buffer);
        buffer.clear();
        return new Next.Entries(out);
      }
      return state == State.OVERFLOWED ? new Next.Overflowed(capacity) : IDLE;
    } finally {
      lock.unlock();
    }
  }
}
