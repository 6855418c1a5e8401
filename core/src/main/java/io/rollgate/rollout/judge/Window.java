package io.rollgate.rollout.judge;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The recent buckets a window judge looks at: those that started in {@code [now − width, now)} within the
 * stage of the newest of them (a window never mixes two splits). Older buckets are dropped as new ones
 * arrive, so memory stays O(window).
 */
final class Window {
  private final Duration width;
  private final ArrayDeque<Bucket> recent = new ArrayDeque<>();

  Window(Duration width) {
    this.width = width;
  }

  void add(Bucket b) {
    recent.addLast(b);
    Instant oldest = b.start().minus(width);
    while (recent.getFirst().start().isBefore(oldest)) {
      recent.removeFirst();
    }
  }

  List<Bucket> at(Instant now) {
    Instant from = now.minus(width);
    List<Bucket> in = new ArrayList<>(recent.size());
    for (Bucket b : recent) {
      if (!b.start().isBefore(from) && b.start().isBefore(now)) {
        in.add(b);
      }
    }
    if (in.isEmpty()) {
      return in;
    }
    int stage = in.getLast().stageIndex();
    in.removeIf(b -> b.stageIndex() != stage);
    return in;
  }

  Duration width() {
    return width;
  }

  /** 60 s → "1m", 90 s → "90s". */
  static String describe(Duration d) {
    long s = d.toSeconds();
    return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
  }
}
