package io.rollgate.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem document. {@code field} names the offending input when there is one;
 * {@code retryAfterSeconds} mirrors the Retry-After header on 429s and 503s.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
    String type, String title, int status, String detail, String instance, String field, Long retryAfterSeconds) {
  public static final String MEDIA_TYPE = "application/problem+json";
  static final String BASE = "https://rollgate.dev/problems/";

  static Problem of(int status, String slug, String title, String detail, String instance, String field) {
    return new Problem(BASE + slug, title, status, detail, instance, field, null);
  }
}
