package io.rollgate.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One SSE subscription on a raw socket: the request, the response head, chunked transfer decoding
 * and event-stream framing (the WHATWG "server-sent events" parsing rules for the fields a Rollgate
 * stream uses: {@code id}, {@code event}, {@code data} and comments).
 *
 * <p>Raw sockets rather than {@code java.net.http}: a thousand of them on virtual threads cost a few
 * KiB each, and the receive time is taken where the bytes come off the socket, not after a client
 * library's own hand-offs between threads.
 */
final class SseConnection implements AutoCloseable {
  /** One dispatched event; {@code receivedNanos} is {@link System#nanoTime} just after the read that completed it. */
  record Frame(String id, String event, String data, long receivedNanos) {}

  private final Socket socket;
  private final InputStream body;
  private final FrameParser parser;

  private SseConnection(Socket socket, InputStream body, boolean keepData) {
    this.socket = socket;
    this.body = body;
    this.parser = new FrameParser(keepData);
  }

  /**
   * Connects, sends {@code GET path} with the bearer token (and {@code Last-Event-ID} when
   * {@code lastEventId >= 0}) and reads the response head. Fails unless the answer is a 200 with
   * {@code Content-Type: text/event-stream}. Frames carry their data only when {@code keepData}.
   */
  static SseConnection open(InetSocketAddress server, String path, String token, long lastEventId,
      boolean keepData, int connectTimeoutMillis, int readTimeoutMillis) throws IOException {
    var socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(server, connectTimeoutMillis);
      socket.setSoTimeout(readTimeoutMillis);
      var request = new StringBuilder()
          .append("GET ").append(path).append(" HTTP/1.1\r\n")
          .append("Host: ").append(server.getHostString()).append(':').append(server.getPort()).append("\r\n")
          .append("Authorization: Bearer ").append(token).append("\r\n")
          .append("Accept: text/event-stream\r\n");
      if (lastEventId >= 0) {
        request.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
      }
      request.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();

      InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      String status = readAsciiLine(in);
      if (status == null) {
        throw new EOFException("connection closed before the response status line");
      }
      Map<String, String> headers = new HashMap<>();
      for (String line = readAsciiLine(in); line != null && !line.isEmpty(); line = readAsciiLine(in)) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
      }
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[1].equals("200")) {
        throw new IOException("GET " + path + " answered '" + status + "', expected 200");
      }
      String type = headers.getOrDefault("content-type", "");
      if (!type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        throw new IOException("GET " + path + " answered Content-Type '" + type + "', expected text/event-stream");
      }
      boolean chunked = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
      return new SseConnection(socket, chunked ? new ChunkedInput(in) : in, keepData);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Reads until the server closes the stream (returns) or the socket fails or is closed by
   * {@link #close} (throws), handing every dispatched event to {@code sink} on this thread.
   */
  void pump(Consumer<Frame> sink) throws IOException {
    byte[] buf = new byte[8192];
    int n;
    while ((n = body.read(buf, 0, buf.length)) > 0) {
      parser.feed(buf, 0, n, System.nanoTime(), sink);
    }
  }

  /** Comment lines seen so far (heartbeats). */
  long comments() {
    return parser.comments;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A line of the response head or of a chunk header, without its CR LF; null at end of stream. */
  static String readAsciiLine(InputStream in) throws IOException {
    var line = new StringBuilder(64);
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        int len = line.length();
        if (len > 0 && line.charAt(len - 1) == '\r') {
          line.setLength(len - 1);
        }
        return line.toString();
      }
      if (line.length() > 8192) {
        throw new IOException("header line longer than 8192 bytes");
      }
      line.append((char) b);
    }
    return line.isEmpty() ? null : line.toString();
  }

  /** HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), trailers ignored. */
  static final class ChunkedInput extends InputStream {
    private final InputStream in;
    private long remaining;
    private boolean afterChunk;
    private boolean done;

    ChunkedInput(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (remaining == 0) {
        if (afterChunk) {
          String crlf = readAsciiLine(in);
          if (crlf == null) {
            throw new EOFException("connection closed after a chunk");
          }
          if (!crlf.isEmpty()) {
            throw new IOException("expected CR LF after a chunk, got '" + crlf + "'");
          }
        }
        String size = readAsciiLine(in);
        if (size == null) {
          throw new EOFException("connection closed before the next chunk");
        }
        int semi = size.indexOf(';');
        String hex = (semi >= 0 ? size.substring(0, semi) : size).trim();
        try {
          remaining = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size line '" + size + "'");
        }
        if (remaining == 0) {
          done = true;
          return -1;
        }
        afterChunk = true;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new EOFException("connection closed inside a chunk (" + remaining + " bytes short)");
      }
      remaining -= n;
      return n;
    }
  }

  /**
   * Event-stream framing: lines end in LF, CR LF or CR; a blank line dispatches the event. Works on
   * bytes and decodes only the values it keeps, because a thousand subscribers parse on the same
   * two CPUs as the server they measure.
   */
  static final class FrameParser {
    private final boolean keepData;
    private byte[] line = new byte[512];
    private int length;
    private boolean lastWasCr;
    private String id;
    private String event;
    private StringBuilder data;
    private boolean hasData;
    long comments;

    /** @param keepData whether frames carry their data; when false, {@link Frame#data} is "" for every event */
    FrameParser(boolean keepData) {
      this.keepData = keepData;
    }

    void feed(byte[] buf, int off, int len, long nanos, Consumer<Frame> sink) {
      for (int i = off; i < off + len; i++) {
        byte b = buf[i];
        if (b == '\n' && lastWasCr) { // the LF of a CR LF: the line already ended at the CR
          lastWasCr = false;
          continue;
        }
        lastWasCr = b == '\r';
        if (b == '\n' || b == '\r') {
          endLine(nanos, sink);
          length = 0;
        } else {
          if (length == line.length) {
            line = java.util.Arrays.copyOf(line, length * 2);
          }
          line[length++] = b;
        }
      }
    }

    private void endLine(long nanos, Consumer<Frame> sink) {
      if (length == 0) {
        // as in the WHATWG algorithm, a block without data is no event: Rollgate's heartbeats may
        // carry an id: (to move the resume point past filtered entries) and must not count as one
        if (hasData) {
          sink.accept(new Frame(id, event == null ? "message" : event, keepData ? data.toString() : "", nanos));
        }
        id = null;
        event = null;
        data = null;
        hasData = false;
        return;
      }
      if (line[0] == ':') {
        comments++;
        return;
      }
      int colon = 0;
      while (colon < length && line[colon] != ':') {
        colon++;
      }
      int value = Math.min(colon + 1, length);
      if (value < length && line[value] == ' ') {
        value++;
      }
      if (is("data", colon)) {
        hasData = true;
        if (keepData) {
          String v = text(value);
          data = data == null ? new StringBuilder(v) : data.append('\n').append(v);
        }
      } else if (is("id", colon)) {
        id = text(value);
      } else if (is("event", colon)) {
        event = text(value);
      } // retry and unknown fields: nothing to measure
    }

    private boolean is(String field, int fieldLength) {
      if (fieldLength != field.length()) {
        return false;
      }
      for (int i = 0; i < fieldLength; i++) {
        if (line[i] != field.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    private String text(int from) {
      return new String(line, from, length - from, StandardCharsets.UTF_8);
    }
  }
}
