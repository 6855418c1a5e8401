package io.rollgate.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One SSE subscription on a raw socket: the request, the response head, chunked transfer decoding
 * and event-stream framing (the WHATWG "server-sent events" parsing rules for the fields a Rollgate
 * stream uses: {@code id}, {@code event}, {@code data} and comments).
 *
 * <p>{@link #open} does the handshake blocking (on a virtual thread, a thousand at once); then an
 * {@link SseReader} reads the channel without blocking, a few platform threads for all
 * subscribers. The subscribers share two CPUs with the server they measure, so the per-event cost
 * matters: here it is one {@code read} per readiness and a byte-level parse, where a virtual thread
 * per blocking socket costs a poller registration, a park and an unpark for every event.
 */
final class SseConnection implements AutoCloseable {
  /** One dispatched event; {@code receivedNanos} is {@link System#nanoTime} just after the read that completed it. */
  record Frame(String id, String event, String data, long receivedNanos) {}

  final SocketChannel channel;
  private final ChunkDecoder chunks; // null: the body is not chunked
  private final FrameParser parser;
  private byte[] early; // body bytes that arrived with the response head

  private SseConnection(SocketChannel channel, boolean chunked, boolean keepData, byte[] early) {
    this.channel = channel;
    this.chunks = chunked ? new ChunkDecoder() : null;
    this.parser = new FrameParser(keepData);
    this.early = early;
  }

  /**
   * Connects, sends {@code GET path} with the bearer token (and {@code Last-Event-ID} when
   * {@code lastEventId >= 0}) and reads the response head, blocking. Fails unless the answer is a
   * 200 with {@code Content-Type: text/event-stream}. Frames carry their data only when {@code keepData}.
   */
  static SseConnection open(InetSocketAddress server, String path, String token, long lastEventId, boolean keepData,
      int connectTimeoutMillis, int readTimeoutMillis) throws IOException {
    SocketChannel ch = SocketChannel.open();
    try {
      ch.socket().setTcpNoDelay(true);
      ch.socket().connect(server, connectTimeoutMillis);
      ch.socket().setSoTimeout(readTimeoutMillis); // honoured by the adaptor stream used for the head
      var request = new StringBuilder()
          .append("GET ").append(path).append(" HTTP/1.1\r\n")
          .append("Host: ").append(server.getHostString()).append(':').append(server.getPort()).append("\r\n")
          .append("Authorization: Bearer ").append(token).append("\r\n")
          .append("Accept: text/event-stream\r\n");
      if (lastEventId >= 0) {
        request.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
      }
      request.append("\r\n");
      ByteBuffer out = ByteBuffer.wrap(request.toString().getBytes(StandardCharsets.US_ASCII));
      while (out.hasRemaining()) {
        ch.write(out);
      }

      // read until the blank line that ends the head; whatever follows it is the start of the body
      InputStream in = ch.socket().getInputStream();
      byte[] buf = new byte[4096];
      int len = 0;
      int end;
      while ((end = headEnd(buf, len)) < 0) {
        if (len == buf.length) {
          if (len >= 64 * 1024) {
            throw new IOException("response head longer than 64 KiB");
          }
          buf = Arrays.copyOf(buf, len * 2);
        }
        int n = in.read(buf, len, buf.length - len);
        if (n < 0) {
          throw new EOFException("connection closed inside the response head (" + len + " bytes)");
        }
        len += n;
      }
      String[] lines = new String(buf, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
      }
      String status = lines[0];
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[1].equals("200")) {
        throw new IOException("GET " + path + " answered '" + status + "', expected 200");
      }
      String type = headers.getOrDefault("content-type", "");
      if (!type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        throw new IOException("GET " + path + " answered Content-Type '" + type + "', expected text/event-stream");
      }
      boolean chunked = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
      ch.configureBlocking(false);
      return new SseConnection(ch, chunked, keepData, Arrays.copyOfRange(buf, end + 4, len));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Index of the CR LF CR LF that ends the head within {@code buf[0, len)}, or -1. */
  private static int headEnd(byte[] buf, int len) {
    for (int i = 0; i + 3 < len; i++) {
      if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /**
   * One non-blocking read into {@code buf}, its frames handed to {@code sink}; false when the stream
   * has ended (end of the chunked body, or the connection closed).
   */
  boolean readOnce(ByteBuffer buf, Consumer<Frame> sink) throws IOException {
    if (early != null) {
      byte[] e = early;
      early = null;
      if (!accept(e, 0, e.length, System.nanoTime(), sink)) {
        return false;
      }
    }
    buf.clear();
    int n = channel.read(buf);
    if (n < 0) {
      return false;
    }
    return n == 0 || accept(buf.array(), buf.arrayOffset(), n, System.nanoTime(), sink);
  }

  /** Feeds body bytes as received; false once the chunked body has ended. */
  boolean accept(byte[] b, int off, int len, long nanos, Consumer<Frame> sink) throws IOException {
    if (chunks == null) {
      parser.feed(b, off, len, nanos, sink);
      return true;
    }
    return chunks.feed(b, off, len, (bb, o, l) -> parser.feed(bb, o, l, nanos, sink));
  }

  /** Comment lines seen so far (heartbeats). */
  long comments() {
    return parser.comments;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  interface Bytes {
    void accept(byte[] b, int off, int len);
  }

  /** HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), decoded as bytes arrive; extensions and trailers ignored. */
  static final class ChunkDecoder {
    private enum State { SIZE, EXTENSION, DATA, DATA_CR, DATA_LF, DONE }

    private State state = State.SIZE;
    private long size;
    private boolean digits;

    /** Passes the chunks' content to {@code out}; returns false once the last (empty) chunk has been read. */
    boolean feed(byte[] b, int off, int len, Bytes out) throws IOException {
      int i = off;
      int end = off + len;
      while (i < end && state != State.DONE) {
        switch (state) {
          case DATA -> {
            int n = (int) Math.min(size, end - i);
            out.accept(b, i, n);
            i += n;
            size -= n;
            if (size == 0) {
              state = State.DATA_CR;
            }
          }
          case DATA_CR -> {
            byte c = b[i++];
            if (c == '\r') {
              state = State.DATA_LF;
            } else if (c == '\n') {
              state = State.SIZE;
            } else {
              throw new IOException("expected CR LF after a chunk, got byte " + c);
            }
          }
          case DATA_LF -> {
            if (b[i++] != '\n') {
              throw new IOException("expected LF after CR at the end of a chunk");
            }
            state = State.SIZE;
          }
          case SIZE, EXTENSION -> {
            byte c = b[i++];
            if (c == '\n') {
              if (!digits) {
                throw new IOException("chunk size line without a size");
              }
              state = size == 0 ? State.DONE : State.DATA;
              digits = false;
            } else if (state == State.EXTENSION || c == '\r' || c == ' ' || c == '\t') {
              continue; // extension text, the CR of CR LF, or whitespace before an extension
            } else if (c == ';') {
              state = State.EXTENSION;
            } else {
              int v = Character.digit(c, 16);
              if (v < 0 || size > (Long.MAX_VALUE >> 4)) {
                throw new IOException("bad chunk size byte '" + (char) c + "'");
              }
              size = size * 16 + v;
              digits = true;
            }
          }
          default -> throw new IllegalStateException(state.toString());
        }
      }
      return state != State.DONE;
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
            line = Arrays.copyOf(line, length * 2);
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
