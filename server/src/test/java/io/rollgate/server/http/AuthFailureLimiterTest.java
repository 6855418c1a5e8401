package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.server.http.AuthFailureLimiter.Verdict;
import io.rollgate.store.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The failed-authentication limiter on its own, with a clock the test moves. */
class AuthFailureLimiterTest {
  private final MutableClock clock = MutableClock.at("2025-01-01T00:00:00Z");

  private AuthFailureLimiter limiter(int maxFailures, int windowSeconds, int maxAddresses) {
    return new AuthFailureLimiter(new AuthLimits(maxFailures, Duration.ofSeconds(windowSeconds), maxAddresses), clock);
  }

  @Test
  void the_failure_that_reaches_the_limit_says_limited_once_and_the_address_stays_limited_until_the_window_closes() {
    var l = limiter(3, 60, 100);

    assertThat(l.recordFailure("10.0.0.1")).isInstanceOf(Verdict.Allowed.class);
    clock.advanceSeconds(10);
    assertThat(l.recordFailure("10.0.0.1")).isInstanceOf(Verdict.Allowed.class);
    assertThat(l.check("10.0.0.1")).isInstanceOf(Verdict.Allowed.class);
    assertThat(l.recordFailure("10.0.0.1")).isEqualTo(new Verdict.Limited(3, 50));
    assertThat(l.recordFailure("10.0.0.1")).as("only the transition says limited").isInstanceOf(Verdict.Allowed.class);

    assertThat(l.check("10.0.0.1")).isEqualTo(new Verdict.Limited(4, 50));
    assertThat(l.check("10.0.0.2")).as("another address").isInstanceOf(Verdict.Allowed.class);
    clock.advance(Duration.ofMillis(49_500));
    assertThat(l.check("10.0.0.1")).as("Retry-After rounds up").isEqualTo(new Verdict.Limited(4, 1));
    clock.advance(Duration.ofMillis(500));
    assertThat(l.check("10.0.0.1")).as("the window opened at the first failure has closed")
        .isInstanceOf(Verdict.Allowed.class);
    assertThat(l.trackedAddresses()).as("a closed window is forgotten").isZero();
  }

  @Test
  void an_ipv6_host_is_counted_by_its_slash_64_and_mapped_ipv4_as_ipv4() {
    var l = limiter(3, 60, 100);
    l.recordFailure("2001:db8:0:7::1");
    l.recordFailure("2001:db8:0:7:ffff::2");
    l.recordFailure("2001:db8:0:7:abcd:1234:5678:9");

    assertThat(l.check("2001:db8:0:7::42")).isInstanceOf(AuthFailureLimiter.Verdict.Limited.class);
    assertThat(l.check("2001:db8:0:8::1")).isInstanceOf(AuthFailureLimiter.Verdict.Allowed.class);
    assertThat(AuthFailureLimiter.key("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
    assertThat(AuthFailureLimiter.key("192.0.2.7")).isEqualTo("192.0.2.7");
    assertThat(AuthFailureLimiter.key("2001:db8:0:7:1:2:3:4")).isEqualTo("2001:db8:0:7::/64");
  }

  @Test
  void failures_in_different_windows_do_not_add_up() {
    var l = limiter(3, 60, 100);
    l.recordFailure("a");
    l.recordFailure("a");
    clock.advanceSeconds(60);

    assertThat(l.recordFailure("a")).isInstanceOf(Verdict.Allowed.class);
    assertThat(l.recordFailure("a")).isInstanceOf(Verdict.Allowed.class);
    assertThat(l.recordFailure("a")).isEqualTo(new Verdict.Limited(3, 60));
  }

  @Test
  void memory_is_bounded_by_forgetting_the_oldest_window_first() {
    var l = limiter(1, 60, 3);
    for (String a : new String[] {"a", "b", "c"}) {
      assertThat(l.recordFailure(a)).isInstanceOf(Verdict.Limited.class);
      clock.advanceSeconds(1);
    }

    l.recordFailure("d");

    assertThat(l.trackedAddresses()).isEqualTo(3);
    assertThat(l.check("a")).as("the oldest is forgotten").isInstanceOf(Verdict.Allowed.class);
    assertThat(l.check("b")).isInstanceOf(Verdict.Limited.class);
    assertThat(l.check("c")).isInstanceOf(Verdict.Limited.class);
    assertThat(l.check("d")).isInstanceOf(Verdict.Limited.class);
  }

  @Test
  void a_flood_of_addresses_keeps_at_most_the_configured_number() {
    var l = new AuthFailureLimiter(AuthLimits.DEFAULTS, clock);
    for (int i = 0; i < 25_000; i++) {
      l.recordFailure("2001:db8:" + Integer.toHexString(i) + "::1"); // a different /64 each
    }

    assertThat(l.trackedAddresses()).isEqualTo(AuthLimits.DEFAULTS.maxAddresses());
  }

  @Test
  void a_limit_of_zero_is_off_and_tracks_nothing() {
    var l = limiter(0, 60, 100);
    for (int i = 0; i < 100; i++) {
      assertThat(l.recordFailure("a")).isInstanceOf(Verdict.Allowed.class);
    }

    assertThat(l.check("a")).isInstanceOf(Verdict.Allowed.class);
    assertThat(l.trackedAddresses()).isZero();
  }

  @Test
  void limits_are_validated_with_messages_that_name_the_setting_and_the_value() {
    assertThatThrownBy(() -> new AuthLimits(-1, Duration.ofSeconds(60), 10))
        .hasMessage("auth maxFailures must be between 0 (off) and 1000000, got -1");
    assertThatThrownBy(() -> new AuthLimits(20, Duration.ofMillis(10), 10))
        .hasMessage("auth failure window must be between 1 s and 1 day, got PT0.01S");
    assertThatThrownBy(() -> new AuthLimits(20, Duration.ofSeconds(60), 0))
        .hasMessage("auth maxAddresses must be between 1 and 1000000, got 0");
  }
}
