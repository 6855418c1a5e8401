package io.rollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The harness's own SSE client: if it mis-parsed, every figure it reports would be wrong. */
class SseConnectionTest {
  private static final String STREAM = ""
      + ": heartbeat\n\n"
      + "id: 7\nevent: policy.applied\ndata: {\"seq\":7}\n\n"
      + "id: 8\r\nevent: policy.skipped\r\ndata: {\"seq\":8}\r\n\r\n" // CR LF line ends
      + "id:9\rdata:first\rdata: second\r\r" // bare CR, no space after the colon, two data lines
      + ": heartbeat\nid: 9\n\n" // a heartbeat that moves the resume point is not an event
      + "id: 10\nretry: 500\nunknown: x\ndata: {\"seq\":10}\n\n"
      + "data: no id\n\n";

  private static List<SseConnection.Frame> parseInPieces(byte[] bytes, long seed) {
    var parser = new SseConnection.FrameParser(true);
    List<SseConnection.Frame> frames = new ArrayList<>();
    var random = new Random(seed);
    int off = 0;
    long read = 0;
    while (off < bytes.length) {
      int len = Math.min(bytes.length - off, 1 + random.nextInt(7));
      parser.feed(bytes, off, len, read++, frames::add);
      off += len;
    }
    assertThat(parser.comments).isEqualTo(2);
    return frames;
  }

  @Test
  void framesAreTheSameHoweverTheBytesAreSplit() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    for (long seed = 0; seed < 200; seed++) {
      var frames = parseInPieces(bytes, seed);
      assertThat(frames).extracting(SseConnection.Frame::id).containsExactly("7", "8", "9", "10", null);
      assertThat(frames).extracting(SseConnection.Frame::event)
          .containsExactly("policy.applied", "policy.skipped", "message", "message", "message");
      assertThat(frames).extracting(SseConnection.Frame::data)
          .containsExactly("{\"seq\":7}", "{\"seq\":8}", "first\nsecond", "{\"seq\":10}", "no id");
    }
  }

  @Test
  void withoutDataTheFramesStillCarryIdAndEvent() {
    var parser = new SseConnection.FrameParser(false);
    List<SseConnection.Frame> frames = new ArrayList<>();
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    parser.feed(bytes, 0, bytes.length, 1, frames::add);
    assertThat(frames).extracting(SseConnection.Frame::id).containsExactly("7", "8", "9", "10", null);
    assertThat(frames).extracting(SseConnection.Frame::data).containsOnly("");
  }

  @Test
  void aLineLongerThanTheInitialBufferIsKeptWhole() {
    String big = "{\"payload\":\"" + "é".repeat(3000) + "\"}";
    byte[] bytes = ("id: 1\ndata: " + big + "\n\n").getBytes(StandardCharsets.UTF_8);
    List<SseConnection.Frame> frames = new ArrayList<>();
    new SseConnection.FrameParser(true).feed(bytes, 0, bytes.length, 1, frames::add);
    assertThat(frames).singleElement().extracting(SseConnection.Frame::data).isEqualTo(big);
  }

  @Test
  void aFrameIsStampedWithTheReadThatCompletedIt() {
    byte[] bytes = "id: 1\ndata: x\n\nid: 2\ndata: y\n\n".getBytes(StandardCharsets.UTF_8);
    var parser = new SseConnection.FrameParser(true);
    List<SseConnection.Frame> frames = new ArrayList<>();
    parser.feed(bytes, 0, 10, 100, frames::add); // "id: 1\ndata" – nothing complete yet
    assertThat(frames).isEmpty();
    parser.feed(bytes, 10, bytes.length - 10, 200, frames::add);
    assertThat(frames).extracting(SseConnection.Frame::receivedNanos).containsExactly(200L, 200L);
  }

  private static byte[] chunked(String body, int chunk, String extension) {
    var out = new ByteArrayOutputStream();
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i += chunk) {
      int n = Math.min(chunk, b.length - i);
      out.writeBytes((Integer.toHexString(n) + extension + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(b, i, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static byte[] decodeInPieces(byte[] chunked, long seed, boolean[] endSeen) throws IOException {
    var decoder = new SseConnection.ChunkDecoder();
    var out = new ByteArrayOutputStream();
    var random = new Random(seed);
    int off = 0;
    while (off < chunked.length) {
      int len = Math.min(chunked.length - off, 1 + random.nextInt(9));
      if (!decoder.feed(chunked, off, len, out::write)) {
        endSeen[0] = true;
      }
      off += len;
    }
    return out.toByteArray();
  }

  @Test
  void chunkedBodiesDecodeToTheOriginalBytesHoweverTheyAreSplit() throws IOException {
    for (int size : new int[] {1, 3, 17, 4096}) {
      for (String ext : new String[] {"", ";ext=1", " ; a=\"b\""}) {
        for (long seed = 0; seed < 20; seed++) {
          boolean[] end = {false};
          byte[] decoded = decodeInPieces(chunked(STREAM, size, ext), seed, end);
          assertThat(new String(decoded, StandardCharsets.UTF_8)).isEqualTo(STREAM);
          assertThat(end[0]).as("the zero-size chunk ends the body").isTrue();
        }
      }
    }
  }

  @Test
  void aBadChunkSizeIsAnError() {
    byte[] bad = "zz\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> new SseConnection.ChunkDecoder().feed(bad, 0, bad.length, (b, o, l) -> { }))
        .isInstanceOf(IOException.class).hasMessageContaining("bad chunk size");
    byte[] noCrLf = "2\r\nhiX".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> new SseConnection.ChunkDecoder().feed(noCrLf, 0, noCrLf.length, (b, o, l) -> { }))
        .isInstanceOf(IOException.class).hasMessageContaining("after a chunk");
  }

  /**
   * One-connection HTTP server on loopback: records the request head, writes {@code head}, waits
   * for {@code bodyGate}, writes {@code body}.
   */
  private static CompletableFuture<String> serveOnce(ServerSocket server, byte[] head, CompletableFuture<?> bodyGate,
      byte[] body) {
    var request = new CompletableFuture<String>();
    Thread.ofVirtual().start(() -> {
      try (Socket s = server.accept()) {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        var text = new StringBuilder();
        int b;
        while (!text.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0) {
          text.append((char) b);
        }
        request.complete(text.toString());
        s.getOutputStream().write(head);
        s.getOutputStream().flush();
        bodyGate.get(10, TimeUnit.SECONDS);
        s.getOutputStream().write(body);
        s.getOutputStream().flush();
      } catch (Exception e) {
        request.completeExceptionally(e);
      }
    });
    return request;
  }

  private static final byte[] SSE_HEAD = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream;charset=utf-8\r\n"
      + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

  /** Subscribes to a one-shot server and collects frames until the stream ends. */
  private static List<SseConnection.Frame> subscribe(ServerSocket server, CompletableFuture<?> bodyGate,
      CompletableFuture<String> request) throws Exception {
    List<SseConnection.Frame> frames = java.util.Collections.synchronizedList(new ArrayList<>());
    var ended = new CompletableFuture<IOException>();
    try (var reader = new SseReader(2);
         var c = SseConnection.open(new InetSocketAddress("127.0.0.1", server.getLocalPort()), "/api/v1/events",
             "secret-token", 42, true, 5_000, 10_000)) {
      reader.add(c, new SseReader.Listener() {
        @Override
        public void frame(SseConnection.Frame frame) {
          frames.add(frame);
        }

        @Override
        public void ended(IOException error) {
          ended.complete(error);
        }
      });
      bodyGate.complete(null);
      assertThat(ended.get(10, TimeUnit.SECONDS)).as("ends at the zero-size chunk, without error").isNull();
      assertThat(c.comments()).isEqualTo(2);
    }
    assertThat(request.get(10, TimeUnit.SECONDS)).startsWith("GET /api/v1/events HTTP/1.1\r\n")
        .contains("Authorization: Bearer secret-token\r\n", "Last-Event-ID: 42\r\n", "Accept: text/event-stream\r\n");
    return frames;
  }

  @Test
  void readsAChunkedStreamThatArrivesAfterTheHead() throws Exception {
    try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var gate = new CompletableFuture<Void>();
      var request = serveOnce(server, SSE_HEAD, gate, chunked(STREAM, 5, ""));
      // the body is written only after open() has returned: it is read by the selector thread
      var frames = subscribe(server, gate, request);
      assertThat(frames).extracting(SseConnection.Frame::id).containsExactly("7", "8", "9", "10", null);
    }
  }

  @Test
  void readsBodyBytesThatCameWithTheHead() throws Exception {
    try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var out = new ByteArrayOutputStream();
      out.writeBytes(SSE_HEAD);
      out.writeBytes(chunked(STREAM, 64, ""));
      var request = serveOnce(server, out.toByteArray(), CompletableFuture.completedFuture(null), new byte[0]);
      var frames = subscribe(server, new CompletableFuture<>(), request);
      assertThat(frames).extracting(SseConnection.Frame::id).containsExactly("7", "8", "9", "10", null);
    }
  }

  @Test
  void aRefusalIsReportedWithItsStatusLine() throws Exception {
    try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      serveOnce(server, ("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/problem+json\r\n"
          + "Content-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII), CompletableFuture.completedFuture(null),
          new byte[0]);
      assertThatThrownBy(() -> SseConnection.open(new InetSocketAddress("127.0.0.1", server.getLocalPort()),
          "/api/v1/events", "t", -1, true, 5_000, 10_000))
          .isInstanceOf(IOException.class).hasMessageContaining("401 Unauthorized").hasMessageContaining("expected 200");
    }
  }

  @Test
  void aNonEventStreamAnswerIsRefused() throws Exception {
    try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      serveOnce(server, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII), CompletableFuture.completedFuture(null), new byte[0]);
      assertThatThrownBy(() -> SseConnection.open(new InetSocketAddress("127.0.0.1", server.getLocalPort()),
          "/api/v1/events", "t", -1, true, 5_000, 10_000))
          .isInstanceOf(IOException.class).hasMessageContaining("text/html");
    }
  }
}
