package io.rollgate.rollout.judge;

import io.rollgate.error.InvalidInputException;
import java.time.Instant;
import java.util.Objects;

/** A session that refuses buckets out of time order (a replay bug would otherwise skew every judge). */
abstract class OrderedSession implements Judge.Session {
  private Instant last;

  @Override
  public final void add(Bucket bucket) {
    Objects.requireNonNull(bucket, "bucket");
    if (last != null && !bucket.start().isAfter(last)) {
      throw new InvalidInputException("bucket.start", "buckets must be added in time order, once each: a bucket "
          + "starting " + bucket.start() + " came after one starting " + last);
    }
    last = bucket.start();
    accept(bucket);
  }

  abstract void accept(Bucket bucket);
}
