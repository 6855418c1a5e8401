package io.rollgate.server.notify.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rollgate.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An in-process HTTP server on 127.0.0.1 that checks requests against a vendor's contract and can be
 * scripted per operation: the next requests of an operation get the scripted replies in order, then the
 * fake's normal behaviour resumes.
 */
public abstract class FakeServer implements AutoCloseable {
  /** A scripted answer. */
  public record Reply(Kind kind, int status, Map<String, String> headers, String body) {
    public enum Kind { STATUS, HANG, PERFORM_THEN_HANG }

    public static Reply status(int status, String body) {
      return new Reply(Kind.STATUS, status, Map.of(), body);
    }

    public static Reply status(int status, String body, Map<String, String> headers) {
      return new Reply(Kind.STATUS, status, headers, body);
    }

    /** Never answers (until the fake closes): the client times out. */
    public static Reply hang() {
      return new Reply(Kind.HANG, 0, Map.of(), "");
    }

    /** Does the real work (e.g. creates the issue), then never answers: a timeout after success. */
    public static Reply performThenHang() {
      return new Reply(Kind.PERFORM_THEN_HANG, 0, Map.of(), "");
    }
  }

  /** What a handler answers. */
  public record Response(int status, String contentType, String body, Map<String, String> headers) {
    public static Response json(int status, Object body) {
      return new Response(status, "application/json; charset=utf-8", Json.write(body), Map.of());
    }

    public static Response json(int status, Object body, Map<String, String> headers) {
      return new Response(status, "application/json; charset=utf-8", Json.write(body), headers);
    }

    public static Response text(int status, String body) {
      return new Response(status, "text/plain; charset=utf-8", body, Map.of());
    }
  }

  /** A request as received, for assertions. */
  public record Request(String method, String path, String query, Map<String, String> headers, String body) {
    public JsonNode json() {
      return Json.parse(body, "/");
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, Deque<Reply>> scripts = new HashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);

  protected FakeServer() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::exchange);
    server.setExecutor(executor);
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Queues replies for the next requests of {@code operation} (named by each fake, e.g. "create"). */
  public synchronized void script(String operation, Reply... replies) {
    scripts.computeIfAbsent(operation, k -> new ArrayDeque<>()).addAll(List.of(replies));
  }

  private synchronized Reply next(String operation) {
    Deque<Reply> q = scripts.get(operation);
    return q == null ? null : q.poll();
  }

  /** The operation a request is, or null when the path matches nothing (404). */
  protected abstract String operation(Request r);

  /** The fake's normal, contract-checking behaviour. */
  protected abstract Response handle(String operation, Request r);

  protected Response notFound(Request r) {
    return Response.json(404, Map.of("message", "Not Found"));
  }

  private void exchange(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, String> headers = new LinkedHashMap<>();
      ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      var req = new Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(),
          headers, body);
      requests.add(req);
      String op = operation(req);
      Response resp;
      if (op == null) {
        resp = notFound(req);
      } else {
        Reply scripted = next(op);
        if (scripted == null) {
          resp = handle(op, req);
        } else {
          switch (scripted.kind()) {
            case STATUS -> resp = new Response(scripted.status(),
                scripted.body().startsWith("{") || scripted.body().startsWith("[") ? "application/json" : "text/plain",
                scripted.body(), scripted.headers());
            case PERFORM_THEN_HANG -> {
              handle(op, req);
              hang();
              return;
            }
            default -> {
              hang();
              return;
            }
          }
        }
      }
      byte[] bytes = resp.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", resp.contentType());
      resp.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.sendResponseHeaders(resp.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        ex.getResponseBody().write(bytes);
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      throw e;
    }
  }

  private void hang() {
    try {
      closed.await(60, TimeUnit.SECONDS); // bounded: released when the fake closes
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  protected static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null) {
      return q;
    }
    for (String kv : raw.split("&")) {
      int i = kv.indexOf('=');
      String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
      String v = i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
      q.put(k, v);
    }
    return q;
  }

  /** Parses a JSON body; null when it is not JSON (each fake answers that in its vendor's words). */
  protected static JsonNode parse(String body) {
    try {
      return Json.mapper().readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
