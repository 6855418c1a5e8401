package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The HTTP side shared by every sink: one request with a timeout, and the answer classified —
 * 2xx is handed to the sink, 429/5xx/408/timeouts are retried (honouring {@code Retry-After} in
 * seconds or as an HTTP date, GitHub's {@code x-ratelimit-remaining/reset}, Jira's
 * {@code X-RateLimit-Reset} and GitLab's {@code RateLimit-Reset}), other 4xx fail for good.
 */
abstract class HttpSink {
  static final String USER_AGENT = "rollgate-notifier";
  /** GitHub's advice for a secondary limit without headers: wait at least a minute. */
  static final Duration SECONDARY_LIMIT_WAIT = Duration.ofMinutes(1);
  /** A server asking for longer than this is waited for this long, then asked again. */
  static final Duration MAX_HONOURED_WAIT = Duration.ofDays(1);

  final String id;
  final HttpClient client;
  final Duration timeout;
  final InstantSource clock;
  private final List<String> secrets;
  private volatile Instant pausedUntil = Instant.MIN;

  HttpSink(String id, HttpClient client, Duration timeout, InstantSource clock, List<String> secrets) {
    this.id = id;
    this.client = client;
    this.timeout = timeout;
    this.clock = clock;
    this.secrets = List.copyOf(secrets);
  }

  public String id() {
    return id;
  }

  /** Until when the sink is rate limited as a whole (Instant.MIN when not). */
  public Instant pausedUntil() {
    return pausedUntil;
  }

  HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", USER_AGENT);
  }

  static HttpRequest.BodyPublisher json(JsonNode body) {
    return HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8);
  }

  /** Sends {@code req}; on 2xx returns what {@code onSuccess} makes of the response. */
  Attempt send(HttpRequest req, String what, Function<HttpResponse<String>, Attempt> onSuccess) {
    HttpResponse<String> resp;
    try {
      resp = client.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      return new Attempt.Retry(what + ": no answer within " + timeout.toMillis() + " ms", null, false);
    } catch (IOException e) {
      return new Attempt.Retry(what + ": " + redact(e.getClass().getSimpleName() + " " + e.getMessage()), null, false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Attempt.Retry(what + ": interrupted", null, false);
    }
    Instant now = clock.instant();
    int status = resp.statusCode();
    if (status / 100 == 2) {
      exhausted(resp, now).ifPresent(reset -> pausedUntil = reset); // the next request would be refused
      try {
        return onSuccess.apply(resp);
      } catch (RuntimeException e) { // an answer we cannot read: the lookup before the next attempt sorts it out
        return new Attempt.Retry(what + ": HTTP " + status + " with an unreadable body: " + redact(e.getMessage()), null, false);
      }
    }
    String reason = what + ": HTTP " + status + " " + snippet(resp.body());
    Instant retryAt = retryAt(resp, now);
    boolean limited = status == 429 || (status == 403 && rateLimit403(resp));
    if (limited) {
      Instant until = retryAt != null ? retryAt : exhausted(resp, now).orElse(null);
      if (until == null && status == 403) {
        until = now.plus(SECONDARY_LIMIT_WAIT);
      }
      if (until != null) {
        pausedUntil = until;
      }
      return new Attempt.Retry(reason, until, until != null);
    }
    if (status >= 500 || status == 408) {
      return new Attempt.Retry(reason, retryAt, false);
    }
    return new Attempt.Failed(reason);
  }

  /** A GitHub 403 that is a rate limit (primary or secondary), not a permission problem. */
  private static boolean rateLimit403(HttpResponse<String> resp) {
    return resp.headers().firstValue("x-ratelimit-remaining").map("0"::equals).orElse(false)
        || resp.headers().firstValue("retry-after").isPresent()
        || resp.body().toLowerCase(Locale.ROOT).contains("secondary rate limit");
  }

  /** GitHub's primary limit is used up: when it resets. */
  private static java.util.Optional<Instant> exhausted(HttpResponse<String> resp, Instant now) {
    if (resp.headers().firstValue("x-ratelimit-remaining").map("0"::equals).orElse(false)) {
      return resp.headers().firstValue("x-ratelimit-reset").map(v -> parseReset(v, now)).filter(i -> i != null);
    }
    return java.util.Optional.empty();
  }

  /** When the server says to come back: Retry-After first, then the rate-limit reset headers. */
  static Instant retryAt(HttpResponse<String> resp, Instant now) {
    var h = resp.headers();
    Instant at = h.firstValue("retry-after").map(v -> parseRetryAfter(v, now)).orElse(null);
    if (at == null && resp.statusCode() == 429) {
      at = h.firstValue("x-ratelimit-reset").or(() -> h.firstValue("ratelimit-reset"))
          .map(v -> parseReset(v, now)).orElse(null);
    }
    if (at != null && at.isAfter(now.plus(MAX_HONOURED_WAIT))) {
      at = now.plus(MAX_HONOURED_WAIT);
    }
    return at;
  }

  /** {@code Retry-After}: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null if neither. */
  static Instant parseRetryAfter(String value, Instant now) {
    String v = value.strip();
    if (v.matches("\\d{1,9}")) {
      return now.plusSeconds(Long.parseLong(v));
    }
    try {
      return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * A rate-limit reset: epoch seconds (GitHub {@code x-ratelimit-reset}), seconds from now when small
   * (GitLab's {@code RateLimit-Reset} on some versions), or ISO-8601 (Jira {@code X-RateLimit-Reset}).
   */
  static Instant parseReset(String value, Instant now) {
    String v = value.strip();
    if (v.matches("\\d{1,12}")) {
      long n = Long.parseLong(v);
      return n > 1_000_000_000L ? Instant.ofEpochSecond(n) : now.plusSeconds(n);
    }
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  private String snippet(String body) {
    String s = body == null ? "" : body.strip().replaceAll("\\s+", " ");
    return redact(s.length() > 300 ? s.substring(0, 300) + "…" : s);
  }

  /** Removes every configured secret from text that may be logged or stored. */
  String redact(String text) {
    if (text == null) {
      return "";
    }
    String out = text;
    for (String s : secrets) {
      if (!s.isEmpty()) {
        out = out.replace(s, "***");
      }
    }
    return out;
  }
}
