package io.rollgate.store.journal;

import java.time.Duration;

/**
 * @param queueCapacity commands waiting for the writer before {@code submit} blocks
 * @param maxBatch commands committed in one transaction at most
 * @param submitTimeout how long {@code submit} waits for queue space before "journal saturated"
 * @param ackTimeout how long a blocking caller waits for its commit
 */
public record JournalConfig(int queueCapacity, int maxBatch, Duration submitTimeout, Duration ackTimeout) {
  public static final JournalConfig DEFAULTS =
      new JournalConfig(4096, 512, Duration.ofSeconds(2), Duration.ofSeconds(60));

  public JournalConfig {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("journal queueCapacity must be at least 1, got " + queueCapacity);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("journal maxBatch must be at least 1, got " + maxBatch);
    }
    if (submitTimeout.isNegative()) {
      throw new IllegalArgumentException("journal submitTimeout must not be negative, got " + submitTimeout);
    }
    if (ackTimeout.isNegative() || ackTimeout.isZero()) {
      throw new IllegalArgumentException("journal ackTimeout must be positive, got " + ackTimeout);
    }
  }
}
