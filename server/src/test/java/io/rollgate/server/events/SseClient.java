package io.rollgate.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A raw-socket SSE client for tests: HTTP/1.1 over loopback, chunked decoding, and a parser that
 * follows the WHATWG event-stream rules (lines end in LF, CR or CRLF; a blank line ends a block;
 * {@code :} starts a comment; one optional space after the field's colon is dropped). It keeps
 * every block, comments and {@code id:}-only blocks included, so tests see the wire as it is.
 * Reading happens on a virtual thread into a queue; tests wait on the queue with a timeout.
 * {@link #connect} returns once the status line and headers arrived, that is once the server has
 * flushed the start of the stream, so the subscription is live by then.
 */
final class SseClient implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(20);

  /** One block of the stream, up to its blank line. {@code data} holds each data line, in order. */
  record Frame(String event, String id, List<String> data, String retry, List<String> comments, boolean end) {
    static final Frame END = new Frame(null, null, List.of(), null, List.of(), true);

    boolean isEvent() {
      return !data.isEmpty();
    }

    long seq() {
      return Long.parseLong(id);
    }

    JsonNode json() {
      assertThat(data).as("data lines of %s", this).hasSize(1);
      try {
        return Json.mapper().readTree(data.get(0));
      } catch (IOException e) {
        throw new AssertionError("data is not JSON: " + data, e);
      }
    }
  }

  private final Socket socket;
  private final InputStream in;
  final int status;
  final Map<String, String> headers;
  private final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private volatile boolean cleanEnd;
  private Thread reader;

  private SseClient(Socket socket, InputStream in, int status, Map<String, String> headers) {
    this.socket = socket;
    this.in = in;
    this.status = status;
    this.headers = headers;
  }

  static SseClient connect(int port, String pathAndQuery, String token, Map<String, String> extraHeaders) {
    return connect(port, pathAndQuery, token, extraHeaders, 0, true);
  }

  /**
   * @param receiveBuffer the socket receive buffer in bytes, 0 for the system default
   * @param read false to leave the stream unread until {@link #startReading} (a slow client)
   */
  static SseClient connect(int port, String pathAndQuery, String token, Map<String, String> extraHeaders,
      int receiveBuffer, boolean read) {
    try {
      var socket = new Socket();
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer); // before connect, so the TCP window is small from the start
      }
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout((int) WAIT.toMillis());
      var req = new StringBuilder("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nAccept: text/event-stream\r\nAccept-Encoding: gzip, deflate, br\r\n");
      if (token != null) {
        req.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      extraHeaders.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
      req.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      var in = new BufferedInputStream(socket.getInputStream(), 512);
      String statusLine = line(in);
      int status = Integer.parseInt(statusLine.split(" ")[1]);
      var headers = new LinkedHashMap<String, String>();
      for (String h = line(in); !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
      var client = new SseClient(socket, in, status, headers);
      if (read && status == 200) {
        client.startReading();
      }
      return client;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the event stream " + pathAndQuery, e);
    }
  }

  String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** Starts parsing the stream on a virtual thread. */
  synchronized void startReading() {
    if (reader == null) {
      assertThat(header("transfer-encoding")).as("headers %s", headers).isEqualTo("chunked");
      try {
        socket.setSoTimeout(0); // a quiet stream is fine; next() has its own timeout, close() ends the reader
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      reader = Thread.ofVirtual().name("sse-test-reader").start(this::readLoop);
    }
  }

  /** The next block, or {@link Frame#END} once the stream ended; fails the test after {@code timeout}. */
  Frame next(Duration timeout) {
    try {
      Frame f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (f == null) {
        throw new AssertionError("no SSE block within " + timeout.toMillis() + " ms");
      }
      if (f.end()) {
        frames.add(f); // END stays at the head for later calls
      }
      return f;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  Frame next() {
    return next(WAIT);
  }

  /** The next block that dispatches an event (has data), skipping comments and id-only blocks. */
  Frame nextEvent() {
    return nextEvent(System.nanoTime() + WAIT.toNanos());
  }

  private Frame nextEvent(long deadline) {
    for (Frame f = next(left(deadline)); ; f = next(left(deadline))) {
      if (f.isEvent() || f.end()) {
        return f;
      }
    }
  }

  /** Time left until {@code deadline} (System.nanoTime), failing the test when none is. */
  private static Duration left(long deadline) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new AssertionError("the expected SSE blocks did not arrive within " + WAIT.toMillis() + " ms");
    }
    return Duration.ofNanos(left);
  }

  /** Events up to and including the first matching {@code last}; fails on the end of the stream or a timeout. */
  List<Frame> eventsUntil(Predicate<Frame> last) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    var out = new ArrayList<Frame>();
    while (true) {
      Frame f = nextEvent(deadline);
      if (f.end()) {
        throw new AssertionError("stream ended after " + out.size() + " events before the expected one");
      }
      out.add(f);
      if (last.test(f)) {
        return out;
      }
    }
  }

  /** Journal events until (and including) seq {@code seq}; fails on a control event first. */
  List<Frame> eventsThrough(long seq) {
    return eventsUntil(f -> {
      assertThat(f.event()).as("control event while waiting for seq %d: %s", seq, f).doesNotContain("server.", "stream.");
      return f.seq() >= seq;
    });
  }

  /** Waits until the server ends the response; true when it ended it properly (last chunk). */
  boolean awaitEnd() {
    long deadline = System.nanoTime() + WAIT.toNanos();
    for (Frame f = next(left(deadline)); ; f = next(left(deadline))) {
      if (f.end()) {
        return cleanEnd;
      }
    }
  }

  /** No frames queued right now (what arrived so far has been taken). */
  boolean idle() {
    return frames.isEmpty();
  }

  private void readLoop() {
    try {
      var body = new Chunked(in);
      String event = null;
      String id = null;
      String retry = null;
      var data = new ArrayList<String>();
      var comments = new ArrayList<String>();
      boolean any = false;
      while (true) {
        String line = sseLine(body);
        if (line == null) {
          cleanEnd = body.finished;
          break;
        }
        if (line.isEmpty()) {
          if (any) {
            frames.add(new Frame(event, id, List.copyOf(data), retry, List.copyOf(comments), false));
          }
          event = null;
          id = null;
          retry = null;
          data.clear();
          comments.clear();
          any = false;
          continue;
        }
        any = true;
        if (line.startsWith(":")) {
          comments.add(stripSpace(line.substring(1)));
          continue;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : stripSpace(line.substring(colon + 1));
        switch (field) {
          case "event" -> event = value;
          case "id" -> id = value;
          case "data" -> data.add(value);
          case "retry" -> retry = value;
          default -> comments.add("unknown field " + field);
        }
      }
    } catch (IOException e) {
      // the connection broke: the stream ends without its last chunk
    } finally {
      frames.add(Frame.END);
    }
  }

  private static String stripSpace(String s) {
    return s.startsWith(" ") ? s.substring(1) : s;
  }

  /** A line of the event stream, ended by LF, CR or CRLF; null at the end of the body. */
  private static String sseLine(Chunked body) throws IOException {
    var bytes = new ByteArrayOutputStream();
    while (true) {
      int b = body.read();
      if (b < 0) {
        return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.UTF_8);
      }
      if (b == '\n') {
        return bytes.toString(StandardCharsets.UTF_8);
      }
      if (b == '\r') {
        if (body.peek() == '\n') {
          body.read();
        }
        return bytes.toString(StandardCharsets.UTF_8);
      }
      bytes.write(b);
    }
  }

  /** An HTTP header line (CRLF). */
  private static String line(InputStream in) throws IOException {
    var bytes = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new EOFException("connection closed inside the response head");
      }
      if (b != '\r') {
        bytes.write(b);
      }
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  /** Decodes an HTTP/1.1 chunked body byte by byte. */
  private static final class Chunked {
    private final InputStream in;
    private long left;
    private int peeked = -2;
    boolean finished;

    Chunked(InputStream in) {
      this.in = in;
    }

    int peek() throws IOException {
      if (peeked == -2) {
        peeked = readByte();
      }
      return peeked;
    }

    int read() throws IOException {
      if (peeked != -2) {
        int b = peeked;
        peeked = -2;
        return b;
      }
      return readByte();
    }

    private int readByte() throws IOException {
      if (finished) {
        return -1;
      }
      if (left == 0) {
        String size = line(in);
        if (size.isEmpty()) { // the CRLF after the previous chunk's data
          size = line(in);
        }
        left = Long.parseLong(size.split(";")[0].trim(), 16);
        if (left == 0) {
          for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
            // no trailers expected
          }
          finished = true;
          return -1;
        }
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed inside a chunk");
      }
      left--;
      return b;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a test socket
    }
    if (reader != null) {
      try {
        reader.join(WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
