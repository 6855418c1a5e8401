package io.rollgate.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Reads many {@link SseConnection}s on a few platform threads, one selector each. A connection is
 * read once per readiness, so a burst that reaches every subscriber at once costs each one
 * {@code read} plus its share of one {@code epoll_wait}.
 */
final class SseReader implements AutoCloseable {
  /** What a subscriber is told, on a reader thread. */
  interface Listener {
    void frame(SseConnection.Frame frame);

    /** The stream is over: {@code error} is null when the server ended it, else what failed. */
    void ended(IOException error);
  }

  private record Registration(SseConnection connection, Listener listener) {}

  private final List<Loop> loops = new ArrayList<>();
  private int next;

  SseReader(int threads) throws IOException {
    for (int i = 0; i < threads; i++) {
      var loop = new Loop(Selector.open());
      loop.thread = Thread.ofPlatform().daemon().name("sse-reader-" + i).start(loop);
      loops.add(loop);
    }
  }

  /** Hands a connection (after {@link SseConnection#open}) to one of the threads, round robin. */
  synchronized void add(SseConnection connection, Listener listener) {
    Loop loop = loops.get(next++ % loops.size());
    loop.pending.add(new Registration(connection, listener));
    loop.selector.wakeup();
  }

  /** Stops the threads; the connections stay open (close them first). */
  @Override
  public void close() throws InterruptedException {
    for (Loop l : loops) {
      try {
        l.selector.close();
      } catch (IOException ignored) {
        // closing is all we wanted
      }
    }
    for (Loop l : loops) {
      l.thread.join(5_000);
    }
  }

  private static final class Loop implements Runnable {
    final Selector selector;
    final ConcurrentLinkedQueue<Registration> pending = new ConcurrentLinkedQueue<>();
    final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    Thread thread;

    Loop(Selector selector) {
      this.selector = selector;
    }

    @Override
    public void run() {
      try {
        while (selector.isOpen()) {
          selector.select();
          for (Registration r; (r = pending.poll()) != null; ) {
            try {
              r.connection().channel.register(selector, SelectionKey.OP_READ, r);
              readable(r); // bytes that came with the response head, or that arrived before registering
            } catch (IOException e) {
              r.listener().ended(e);
            }
          }
          for (SelectionKey key : selector.selectedKeys()) {
            readable((Registration) key.attachment());
          }
          selector.selectedKeys().clear();
        }
      } catch (ClosedSelectorException | IOException e) {
        // closed by SseReader.close
      }
    }

    private void readable(Registration r) {
      Consumer<SseConnection.Frame> sink = r.listener()::frame;
      try {
        if (!r.connection().readOnce(buffer, sink)) {
          end(r, null);
        }
      } catch (IOException e) {
        end(r, e);
      }
    }

    private void end(Registration r, IOException error) {
      var key = r.connection().channel.keyFor(selector);
      if (key != null) {
        key.cancel();
      }
      r.listener().ended(error);
    }
  }
}
