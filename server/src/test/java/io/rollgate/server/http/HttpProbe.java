package io.rollgate.server.http;

import io.rollgate.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one request and returns its status, headers and body, except that an event stream's body is
 * never waited for: the stream is closed as soon as the status and headers are in. Every call is
 * bounded by a timeout, so a request the server never answers fails the test instead of hanging it.
 */
final class HttpProbe {
  static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final int MAX_BODY = 4 * 1024 * 1024;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpProbe() {}

  static TestServer.Response send(HttpRequest request) {
    try {
      HttpResponse<InputStream> r = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      String body;
      try (InputStream in = r.body()) {
        boolean stream = r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
        body = stream ? "" : new String(in.readNBytes(MAX_BODY), StandardCharsets.UTF_8);
      }
      return new TestServer.Response(r.statusCode(), r.headers(), body);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within " + TIMEOUT.toSeconds() + " s: " + request.method() + " "
          + shorten(request.uri().toString()), e);
    } catch (ExecutionException e) {
      throw new UncheckedIOException(request.method() + " " + shorten(request.uri().toString()) + " failed",
          e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A request with a per-request timeout and, if {@code authorization} is not null, that Authorization header. */
  static HttpRequest.Builder request(TestServer server, String method, String pathAndQuery, String authorization,
      String body) {
    var b = HttpRequest.newBuilder(java.net.URI.create(server.baseUrl() + pathAndQuery)).timeout(TIMEOUT);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return b;
  }

  static String shorten(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "… (" + s.length() + " chars)" : s;
  }
}
