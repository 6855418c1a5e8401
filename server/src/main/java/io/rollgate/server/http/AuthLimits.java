package io.rollgate.server.http;

import java.time.Duration;
import java.util.Objects;

/**
 * How many failed authentications one client address may make within a window before its requests
 * that carry a token are refused with 429 until the window passes.
 *
 * <p>The address is the TCP peer's, never {@code X-Forwarded-For} (anyone can write that header).
 * Behind a reverse proxy every client shares the proxy's address, so one client guessing tokens
 * locks out the others' tokens for the window: there, raise {@code maxFailures} or turn it off (0).
 *
 * @param maxFailures failed authentications allowed per window; 0 turns the limit off
 * @param window how long failures count, from an address's first failure; also how long it stays limited at most
 * @param maxAddresses addresses tracked at once (bounded memory); beyond it the oldest window is forgotten
 */
public record AuthLimits(int maxFailures, Duration window, int maxAddresses) {
  public static final AuthLimits DEFAULTS = new AuthLimits(20, Duration.ofSeconds(60), 10_000);

  public AuthLimits {
    Objects.requireNonNull(window, "window");
    if (maxFailures < 0 || maxFailures > 1_000_000) {
      throw new IllegalArgumentException("auth maxFailures must be between 0 (off) and 1000000, got " + maxFailures);
    }
    if (window.toMillis() < 1000 || window.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("auth failure window must be between 1 s and 1 day, got " + window);
    }
    if (maxAddresses < 1 || maxAddresses > 1_000_000) {
      throw new IllegalArgumentException("auth maxAddresses must be between 1 and 1000000, got " + maxAddresses);
    }
  }

  public boolean enabled() {
    return maxFailures > 0;
  }

  public AuthLimits withMaxFailures(int n) {
    return new AuthLimits(n, window, maxAddresses);
  }
}
