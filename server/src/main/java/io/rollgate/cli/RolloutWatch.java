package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code rollgate rollout status ID --watch}: shows the rollout again on every {@code rollout.*}
 * event about it, and at least every {@code refresh} so that the time in stage moves and a
 * measurement (which is not an event) shows up; ends when the rollout does. Exit 0 when COMPLETED,
 * 1 when ROLLED_BACK or ABORTED.
 *
 * <p>The event stream is read on its own thread, which only says "look again"; every state shown
 * comes from {@code GET /api/v1/rollouts/{id}}, so an event missed while reconnecting costs nothing.
 */
final class RolloutWatch {
  static final String CLEAR = "\033[H\033[2J";
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** How states are shown: redrawn in place on a terminal, a line per new state, or a JSON object per new state. */
  enum Mode {
    REDRAW, LINES, JSON;

    static Mode of(boolean json, boolean terminal) {
      return json ? JSON : terminal ? REDRAW : LINES;
    }
  }

  /** What the event reader tells the watch loop. */
  private sealed interface Signal {
    record Changed() implements Signal {}

    /** The stream was refused (token revoked, bad filter): not an outage to wait out. */
    record Refused(CliException error) implements Signal {}
  }

  private final ApiClient client;
  private final String path;
  private final PrintWriter out;
  private final PrintWriter err;
  private final Mode mode;
  private final Duration refresh;
  private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
  private String lastShown;

  RolloutWatch(ApiClient client, String path, PrintWriter out, PrintWriter err, Mode mode, Duration refresh) {
    this.client = client;
    this.path = path;
    this.out = out;
    this.err = err;
    this.mode = mode;
    this.refresh = refresh;
  }

  int run() {
    JsonNode status = client.get(path); // a first failure is the command's failure (exit 2)
    show(status);
    if (ended(status)) {
      return exitCode(status);
    }
    String id = status.path("id").asText();
    var follower = new Follower(id, status.path("policy").asText(), resumeAfter(status));
    Thread reader = Thread.ofVirtual().name("rollout-watch-" + id).start(follower);
    // Ctrl-C stops the watching, not the rollout: say so instead of dying mid-line
    Thread hook = new Thread(() -> {
      out.flush();
      err.println();
      err.println("rollgate: stopped watching " + id + "; the rollout goes on");
      err.flush();
    });
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      while (true) {
        Signal signal = signals.poll(refresh.toMillis(), TimeUnit.MILLISECONDS);
        var pending = new ArrayList<Signal>();
        signals.drainTo(pending); // a burst of events is one refetch
        if (signal != null) {
          pending.add(signal);
        }
        for (Signal s : pending) {
          if (s instanceof Signal.Refused r) {
            throw r.error();
          }
        }
        JsonNode next = fetch();
        if (next != null) {
          status = next;
          show(status);
          if (ended(status)) {
            return exitCode(status);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(2, "interrupted while watching " + id);
    } finally {
      follower.stop();
      reader.interrupt();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run; nothing to undo
      }
    }
  }

  /** The status now, or null after an outage worth waiting out (said on stderr); a refusal ends the watch. */
  private JsonNode fetch() {
    try {
      return client.get(path);
    } catch (CliException e) {
      boolean refused = e.httpStatus >= 400 && e.httpStatus < 500 && e.httpStatus != 429;
      if (refused) {
        throw e;
      }
      err.println("rollgate: " + e.getMessage() + "; trying again in " + refresh.toSeconds() + " s");
      err.flush();
      return null;
    }
  }

  private void show(JsonNode status) {
    switch (mode) {
      case REDRAW -> {
        boolean ended = ended(status);
        out.print(CLEAR + RolloutCommand.block(status) + (ended
            ? "\nrollout ended: " + status.path("phase").asText() + "\n"
            : "\nwatching: redrawn on every change; Ctrl-C stops watching (the rollout goes on)\n"));
      }
      case LINES -> printIfNew(RolloutCommand.progressLine(status), RolloutCommand.progressLine(status));
      case JSON -> printIfNew(Json.write(RolloutCommand.withoutClock(status)), Json.write(status));
    }
    out.flush();
  }

  /** Prints {@code text} unless the state {@code key} stands for was the last one printed (a periodic refetch). */
  private void printIfNew(String key, String text) {
    if (!key.equals(lastShown)) {
      out.println(text);
      lastShown = key;
    }
  }

  private static boolean ended(JsonNode status) {
    return RolloutCommand.isTerminal(status.path("phase").asText());
  }

  private static int exitCode(JsonNode status) {
    return "COMPLETED".equals(status.path("phase").asText()) ? 0 : 1;
  }

  /** The newest journal entry the status already reflects: the stream replays from after it, so no transition falls in between. */
  private static String resumeAfter(JsonNode status) {
    long seq = -1;
    for (JsonNode t : status.path("transitions")) {
      seq = Math.max(seq, t.path("journalSeq").asLong(-1));
    }
    return seq < 0 ? null : Long.toString(seq);
  }

  /** Reads {@code rollout.*} events of one policy and signals those about this rollout; reconnects until stopped. */
  private final class Follower implements Runnable {
    private final String id;
    private final String streamPath;
    private String lastId;
    private AutoCloseable open;
    private boolean stopped;

    Follower(String id, String policy, String lastId) {
      this.id = id;
      this.streamPath = "/api/v1/events?types=" + URLEncoder.encode("rollout.*", StandardCharsets.UTF_8)
          + "&subject=" + URLEncoder.encode(policy, StandardCharsets.UTF_8);
      this.lastId = lastId;
    }

    @Override
    public void run() {
      Duration backoff = Duration.ofSeconds(1);
      while (!isStopped()) {
        var sawFrame = new boolean[1];
        try {
          client.stream(streamPath, lastId, frame -> {
            sawFrame[0] = true;
            if (frame.id() != null) {
              lastId = frame.id();
            }
            if (isStopped()) {
              return false;
            }
            if (frame.event() == null || frame.data() == null) {
              return true;
            }
            if (frame.event().equals("server.shutdown") || frame.event().equals("stream.overflow")) {
              signals.add(new Signal.Changed()); // events may have been lost: look now, then reconnect
              return false;
            }
            if (aboutThisRollout(frame.data())) {
              signals.add(new Signal.Changed());
            }
            return true;
          }, this::opened);
        } catch (CliException e) {
          if (e.httpStatus >= 400 && e.httpStatus < 500 && e.httpStatus != 429) {
            signals.add(new Signal.Refused(e));
            return;
          }
          // an outage: the watch loop's own refetch reports it; keep trying to reconnect
        }
        if (sawFrame[0]) {
          backoff = Duration.ofSeconds(1);
        }
        try {
          Thread.sleep(backoff); // reconnect pacing, as an EventSource does
        } catch (InterruptedException e) {
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }

    private boolean aboutThisRollout(String data) {
      try {
        JsonNode e = Json.mapper().readTree(data);
        return id.equals(e.path("payload").path("rolloutId").asText());
      } catch (IOException e) {
        return true; // cannot tell: looking again is cheap
      }
    }

    private synchronized boolean isStopped() {
      return stopped;
    }

    private synchronized void opened(AutoCloseable stream) {
      open = stream;
      if (stopped) {
        closeQuietly(stream);
      }
    }

    /** Ends the stream now rather than at its next frame, which may be minutes away. */
    synchronized void stop() {
      stopped = true;
      if (open != null) {
        closeQuietly(open);
      }
    }

    private static void closeQuietly(AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // closing a stream that is going away anyway
      }
    }
  }
}
