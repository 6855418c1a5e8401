package io.rollgate.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Rollgate server as a separate JVM ({@code java -jar server/target/rollgate.jar serve --port 0}),
 * so that the clients' load does not share its heap or its JIT, and memory can be read per process.
 * Its stdout and stderr go to a log file; the port comes from its "Rollgate listening on" line.
 */
final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("Rollgate listening on http://[^\\s:]+:(\\d+)");
  private static final Pattern HISTO_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
  private static final Pattern HISTO_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)", Pattern.MULTILINE);

  /**
   * The server's memory after a full GC.
   *
   * @param liveHeapBytes bytes of reachable objects ({@code jcmd GC.class_histogram}, which runs a full GC first)
   * @param rssBytes resident set size right after that GC ({@code VmRSS} in {@code /proc/<pid>/status})
   * @param threads platform threads of the process ({@code Threads} in the same file)
   * @param byClass reachable bytes and instances per class, for the per-client breakdown
   */
  record Memory(long liveHeapBytes, long rssBytes, int threads, Map<String, long[]> byClass) {}

  private final Process process;
  private final int port;
  private final Path java;
  private final Thread killOnExit;

  private ServerProcess(Process process, int port, Path java, Thread killOnExit) {
    this.process = process;
    this.port = port;
    this.java = java;
    this.killOnExit = killOnExit;
  }

  /**
   * Starts the server with an embedded SQLite database in {@code dataDir} and waits (at most
   * {@code timeout}) for the line that gives its port.
   */
  static ServerProcess start(Path java, Path serverJar, List<String> jvmOptions, Path dataDir, String adminToken,
      Path log, Duration timeout) throws IOException, InterruptedException {
    return start(java, serverJar, jvmOptions, List.of("--data-dir", dataDir.toString()), adminToken, log, timeout);
  }

  /**
   * As above, with {@code serveArgs} after {@code serve --host 127.0.0.1 --port 0}: a data directory, or
   * {@code --db jdbc:postgresql://…} (credentials in the URL) and {@code --lease} for a replica.
   */
  static ServerProcess start(Path java, Path serverJar, List<String> jvmOptions, List<String> serveArgs,
      String adminToken, Path log, Duration timeout) throws IOException, InterruptedException {
    if (!Files.isRegularFile(serverJar)) {
      throw new IOException(serverJar + " does not exist; build it with ./mvnw -B -q -pl bench -am package -DskipTests");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", serverJar.toString(), "serve", "--host", "127.0.0.1", "--port", "0"));
    cmd.addAll(serveArgs);
    var pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ROLLGATE_ADMIN_TOKEN", adminToken);
    pb.environment().remove("ROLLGATE_DB_USER");
    pb.environment().remove("ROLLGATE_DB_PASSWORD");
    Process p = pb.start();
    // if the harness is stopped (Ctrl-C, SIGTERM), do not leave the server running
    Thread killOnExit = new Thread(p::destroyForcibly, "kill-server-" + p.pid());
    Runtime.getRuntime().addShutdownHook(killOnExit);
    var port = new CompletableFuture<Integer>();
    Thread.ofPlatform().daemon().name("server-log").start(() -> {
      try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
           var out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          out.println(line);
          Matcher m = LISTENING.matcher(line);
          if (!port.isDone() && m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
      // end of output: the server has exited (or closed stdout); a no-op if the port was already seen
      port.completeExceptionally(new IOException("the server's output ended before it printed its port; see " + log));
    });
    try {
      return new ServerProcess(p, port.get(timeout.toMillis(), TimeUnit.MILLISECONDS), java, killOnExit);
    } catch (TimeoutException e) {
      p.destroyForcibly();
      throw new IOException("the server did not print its port within " + timeout.toSeconds() + " s; see " + log);
    } catch (java.util.concurrent.ExecutionException e) {
      p.destroyForcibly();
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  /** CPU time the server process has used so far (user + system), zero if the OS does not say. */
  Duration cpu() {
    return process.info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** Forces a full GC in the server and reads its live heap, RSS and thread count. */
  Memory memory() throws IOException, InterruptedException {
    String histogram = jcmd("GC.class_histogram");
    Matcher total = HISTO_TOTAL.matcher(histogram);
    if (!total.find()) {
      throw new IOException("no Total line in jcmd GC.class_histogram output: "
          + histogram.substring(0, Math.min(300, histogram.length())));
    }
    Map<String, long[]> byClass = new HashMap<>();
    for (String row : histogram.split("\n")) {
      Matcher m = HISTO_ROW.matcher(row);
      if (m.find()) {
        byClass.merge(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))},
            (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
      }
    }
    long rss = -1;
    int threads = -1;
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      } else if (line.startsWith("Threads:")) {
        threads = Integer.parseInt(line.replaceAll("\\D", ""));
      }
    }
    return new Memory(Long.parseLong(total.group(2)), rss, threads, byClass);
  }

  /** The classes whose reachable bytes grew most from {@code before} to {@code after}: [class, instances, bytes]. */
  static List<Object[]> topGrowth(Memory before, Memory after, int limit) {
    List<Object[]> rows = new ArrayList<>();
    for (var e : after.byClass().entrySet()) {
      long[] b = before.byClass().getOrDefault(e.getKey(), new long[2]);
      long bytes = e.getValue()[1] - b[1];
      if (bytes > 0) {
        rows.add(new Object[] {e.getKey(), e.getValue()[0] - b[0], bytes});
      }
    }
    rows.sort(Comparator.comparingLong((Object[] r) -> (Long) r[2]).reversed());
    return rows.subList(0, Math.min(limit, rows.size()));
  }

  private String jcmd(String command) throws IOException, InterruptedException {
    Path jcmd = java.resolveSibling("jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command).redirectErrorStream(true).start();
    var out = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(jcmd + " " + pid() + " " + command + " did not finish within 60 s");
    }
    String text = out.join();
    if (p.exitValue() != 0) {
      throw new IOException(jcmd + " " + pid() + " " + command + " exited " + p.exitValue() + ": " + text);
    }
    return text;
  }

  /** kill -9: the process ends at once, its sockets with it; waits (bounded) until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Sends {@code signal} (e.g. {@code STOP}, {@code CONT}) with the {@code kill} command. */
  void signal(String signal) throws IOException, InterruptedException {
    Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).redirectErrorStream(true).start();
    if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
      throw new IOException("kill -" + signal + " " + pid() + " failed: "
          + new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGTERM (the server drains and stops), then a forced kill after 20 s. */
  @Override
  public void close() throws InterruptedException {
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException alreadyExiting) {
      // the hook is running or about to: it kills the server
    }
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
