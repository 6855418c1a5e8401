package io.rollgate.server.http;

/** An HTTP-level refusal raised by the API layer itself (authentication, authorisation, body size). */
final class ApiException extends RuntimeException {
  final int status;
  final String slug;
  final String title;
  final String field;

  ApiException(int status, String slug, String title, String detail, String field) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.field = field;
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
}
