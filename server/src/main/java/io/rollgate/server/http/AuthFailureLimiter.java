package io.rollgate.server.http;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts failed authentications per client address in a window that opens at the address's first
 * failure. Once an address reaches the limit it stays limited until its window closes; successful
 * authentications neither count nor reset anything. At most {@link AuthLimits#maxAddresses()}
 * windows are kept, oldest forgotten first, so a flood of addresses costs bounded memory (and can
 * only forget limits, never create them).
 */
final class AuthFailureLimiter {
  /** Whether an address may try to authenticate now. */
  sealed interface Verdict {
    record Allowed() implements Verdict {}

    /** Refused until the window closes, {@code retryAfterSeconds} from now (at least 1). */
    record Limited(int failures, long retryAfterSeconds) implements Verdict {}
  }

  private static final Verdict ALLOWED = new Verdict.Allowed();

  private record Window(Instant start, int failures) {}

  private final AuthLimits limits;
  private final InstantSource clock;
  /** Insertion order = order in which windows opened; guarded by {@code this}. */
  private final LinkedHashMap<String, Window> windows;

  AuthFailureLimiter(AuthLimits limits, InstantSource clock) {
    this.limits = limits;
    this.clock = clock;
    this.windows = new LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
        return size() > limits.maxAddresses();
      }
    };
  }

  /**
   * The key an address is counted under: an IPv4 address itself, an IPv6 address its /64 — one
   * host usually owns a whole /64, and counting each of its 2^64 addresses apart would let it
   * guess without limit and push every other address's window out of the table.
   */
  static String key(String address) {
    if (address == null || address.indexOf(':') < 0) {
      return address;
    }
    try {
      // a literal (what the servlet container reports) is parsed, never resolved
      var a = java.net.InetAddress.getByName(address);
      if (a instanceof java.net.Inet6Address) {
        byte[] b = a.getAddress();
        var sb = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
          sb.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
        }
        return sb.append(":/64").toString();
      }
      return a.getHostAddress(); // an IPv4-mapped IPv6 address counts as its IPv4 address
    } catch (java.net.UnknownHostException e) {
      return address;
    }
  }

  synchronized Verdict check(String rawAddress) {
    if (!limits.enabled()) {
      return ALLOWED;
    }
    String address = key(rawAddress);
    Window w = windows.get(address);
    if (w == null) {
      return ALLOWED;
    }
    Instant now = clock.instant();
    Instant end = w.start().plus(limits.window());
    if (!now.isBefore(end)) {
      windows.remove(address);
      return ALLOWED;
    }
    return w.failures() < limits.maxFailures() ? ALLOWED
        : new Verdict.Limited(w.failures(), ceilSeconds(Duration.between(now, end)));
  }

  /**
   * Records one failed authentication.
   *
   * @return the verdict that now applies; {@code Limited} exactly once per window, on the failure
   *     that reached the limit, so the caller can log the transition once
   */
  synchronized Verdict recordFailure(String rawAddress) {
    if (!limits.enabled()) {
      return ALLOWED;
    }
    String address = key(rawAddress);
    Instant now = clock.instant();
    Window w = windows.get(address);
    if (w == null || !now.isBefore(w.start().plus(limits.window()))) {
      windows.remove(address); // a new window is the newest: re-insert at the end of the eviction order
      w = new Window(now, 0);
    }
    Window next = new Window(w.start(), w.failures() + 1);
    windows.put(address, next);
    return next.failures() == limits.maxFailures()
        ? new Verdict.Limited(next.failures(), ceilSeconds(Duration.between(now, next.start().plus(limits.window()))))
        : ALLOWED;
  }

  synchronized int trackedAddresses() {
    return windows.size();
  }

  AuthLimits limits() {
    return limits;
  }

  private static long ceilSeconds(Duration d) {
    long s = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
    return Math.max(1, s);
  }
}
