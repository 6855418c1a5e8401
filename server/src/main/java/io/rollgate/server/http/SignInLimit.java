package io.rollgate.server.http;

import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's failed-authentication limit, for a credential checked outside the API's {@code Auth} (the
 * dashboard's sign-in form): the same windows per client address, so wrong tokens typed into the form
 * and wrong bearer tokens sent to the API count together, and an address over the limit is refused by
 * both. Made only by {@link HttpApi}, around the one limiter its routes use.
 */
public final class SignInLimit {
  private static final Logger log = LoggerFactory.getLogger(SignInLimit.class);
  private final AuthFailureLimiter limiter;

  SignInLimit(AuthFailureLimiter limiter) {
    this.limiter = limiter;
  }

  /** Seconds until {@code address} may try again (at least 1), or empty when it may try now. */
  public OptionalLong refusedFor(String address) {
    return limiter.check(address) instanceof AuthFailureLimiter.Verdict.Limited l
        ? OptionalLong.of(l.retryAfterSeconds()) : OptionalLong.empty();
  }

  /** Counts a wrong credential from {@code address}; logs once when the address reaches the limit. */
  public void failed(String address) {
    if (limiter.recordFailure(address) instanceof AuthFailureLimiter.Verdict.Limited l) {
      log.warn("{} failed authentications from {} within {} s (the last on the dashboard's sign-in form): refusing "
          + "its sign-ins and requests that carry a token for {} s", l.failures(), address,
          limiter.limits().window().toSeconds(), l.retryAfterSeconds());
    }
  }
}
