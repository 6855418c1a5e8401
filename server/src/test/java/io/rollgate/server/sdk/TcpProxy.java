package io.rollgate.server.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback TCP proxy in front of a test server, so that the server can restart on another port
 * behind a stable address, and so that tests can see which event-stream requests a client sent
 * (the {@code lastEventId} it resumed from).
 */
final class TcpProxy implements AutoCloseable {
  private static final Pattern EVENTS = Pattern.compile("GET (/api/v1/events\\?[^ ]*) HTTP/1\\.1");
  private final ServerSocket listener;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final List<String> eventRequests = new CopyOnWriteArrayList<>();
  private volatile int targetPort;
  private volatile boolean closed;

  TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("proxy-accept").start(this::accept);
  }

  int port() {
    return listener.getLocalPort();
  }

  String url() {
    return "http://127.0.0.1:" + port();
  }

  void target(int port) {
    this.targetPort = port;
  }

  /** Every {@code /api/v1/events?…} request line that passed, oldest first. */
  List<String> eventRequests() {
    return List.copyOf(eventRequests);
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      sockets.add(client);
      Thread.ofVirtual().start(() -> connect(client));
    }
  }

  private void connect(Socket client) {
    Socket upstream;
    try {
      upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
    } catch (IOException e) {
      close(client); // nothing listens there: the client sees its connection closed
      return;
    }
    sockets.add(upstream);
    Thread.ofVirtual().start(() -> pipe(client, upstream, true));
    pipe(upstream, client, false);
  }

  private void pipe(Socket from, Socket to, boolean requests) {
    byte[] buf = new byte[8192];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (requests) {
          Matcher m = EVENTS.matcher(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
          while (m.find()) {
            eventRequests.add(m.group(1));
          }
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // either side went away
    } finally {
      close(from);
      close(to);
    }
  }

  private void close(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // closing
    }
    sockets.forEach(this::close);
  }
}
