package io.rollgate.server.http;

import io.rollgate.json.Json;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty refuses some requests before Javalin sees them (an unparseable URI, headers or URI too
 * large); without this they would get Jetty's HTML error page. Every refusal is a problem document.
 */
final class JettyProblems extends ErrorHandler {
  /** Requests Jetty cannot parse at all: there is no request object, only the status and a reason. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    if (HttpStatus.hasNoBody(status)) {
      return ByteBuffer.allocate(0);
    }
    fields.put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    return ByteBuffer.wrap(Json.write(problem(status, reason, null)).getBytes(StandardCharsets.UTF_8));
  }

  /** Jetty's default writes a page only for GET, POST and HEAD; a PUT deserves one as well. */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request,
      HttpServletResponse response, int code, String message) throws IOException {
    byte[] body = Json.write(problem(code, message, request.getRequestURI())).getBytes(StandardCharsets.UTF_8);
    response.setContentType(Problem.MEDIA_TYPE);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    baseRequest.setHandled(true);
  }

  static Problem problem(int status, String reason, String instance) {
    String why = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
    return switch (status) {
      case 400 -> Problem.of(400, "invalid-input", "Invalid input",
          "the request could not be parsed: " + why, instance, "request");
      case 413 -> Problem.of(413, "body-too-large", "Request body too large", why, instance, "body");
      case 414 -> Problem.of(414, "uri-too-long", "URI too long", why, instance, "uri");
      case 431 -> Problem.of(431, "headers-too-large", "Request header fields too large", why, instance, "headers");
      default -> Problem.of(status, "http-" + status, HttpStatus.getMessage(status), why, instance, null);
    };
  }
}
