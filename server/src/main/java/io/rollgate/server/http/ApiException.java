package io.rollgate.server.http;

/** An HTTP-level refusal raised by the API layer itself (authentication, authorisation, body size). */
final class ApiException extends RuntimeException {
  final int status;
  final String slug;
  final String title;
  final String field;
  /** Seconds for the Retry-After header and the problem's {@code retryAfterSeconds}; null when retrying will not help. */
  final Long retryAfterSeconds;

  ApiException(int status, String slug, String title, String detail, String field) {
    this(status, slug, title, detail, field, null);
  }

  private ApiException(int status, String slug, String title, String detail, String field, Long retryAfterSeconds) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.field = field;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static ApiException unauthorized(String detail) {
    return new ApiException(401, "unauthorized", "Unauthorized", detail, "Authorization");
  }

  static ApiException forbidden(String detail) {
    return new ApiException(403, "forbidden", "Forbidden", detail, null);
  }

  static ApiException tooLarge(long limit) {
    return new ApiException(413, "body-too-large", "Request body too large",
        "request body exceeds the limit of " + limit + " bytes", "body");
  }

  static ApiException draining(long retryAfterSeconds) {
    return new ApiException(503, "draining", "Server draining", "the server is shutting down and accepts no "
        + "changes; retry against another replica or after it restarts", null, retryAfterSeconds);
  }

  static ApiException tooManyFailedAuthentications(int failures, long windowSeconds, long retryAfterSeconds) {
    return new ApiException(429, "too-many-failed-authentications", "Too many failed authentications",
        failures + " failed authentications from this address within " + windowSeconds
            + " s; requests that carry a token are refused for " + retryAfterSeconds + " s",
        "Authorization", retryAfterSeconds);
  }
}
