package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rollgate events}: follows the live event stream, resuming from the last event seen after
 * a dropped connection, an overflow or a server restart — what {@code curl -N} does, plus the resume.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
    description = {"Follow changes live (GET /api/v1/events), one line per journal entry.",
        "Reconnects by itself, resuming after the last event printed, so nothing is missed or repeated."})
final class EventsCommand implements Callable<Integer> {
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  @Mixin ClientOptions opts;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--after", paramLabel = "SEQ",
      description = "Replay entries after this journal sequence number first (default: only new ones)")
  Long after;

  @Option(names = "--types", split = ",", paramLabel = "TYPE",
      description = "Only these types, exact or a prefix such as policy.* (comma-separated)")
  List<String> types = new ArrayList<>();

  @Option(names = "--subject", description = "Only entries about this subject (a policy name, or token:NAME)")
  String subject;

  @Option(names = "--count", paramLabel = "N", description = "Exit 0 after printing N events (default: follow until stopped)")
  Integer count;

  @Override
  public Integer call() throws InterruptedException {
    if (after != null && after < 0) {
      throw new CliException(2, "--after must not be negative, got " + after);
    }
    if (count != null && count < 1) {
      throw new CliException(2, "--count must be at least 1, got " + count);
    }
    var client = opts.client();
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    var state = new Object() {
      String lastId = after == null ? null : Long.toString(after);
      int printed;
      boolean sawAny;
      boolean sawThisTime;
    };
    Duration backoff = Duration.ofSeconds(1);
    while (true) {
      state.sawThisTime = false;
      try {
        client.stream(path(), state.lastId, frame -> {
          state.sawAny = true;
          state.sawThisTime = true;
          if (frame.id() != null) {
            state.lastId = frame.id(); // heartbeats carry the position too, for filtered streams
          }
          if (frame.event() == null || frame.data() == null) {
            return true;
          }
          if (frame.event().equals("server.shutdown") || frame.event().equals("stream.overflow")) {
            err.println("rollgate: " + frame.event() + "; resuming after " + state.lastId);
            err.flush();
            return false;
          }
          print(out, frame);
          state.printed++;
          return count == null || state.printed < count;
        });
      } catch (CliException e) {
        boolean refused = e.httpStatus >= 400 && e.httpStatus < 500 && e.httpStatus != 429;
        if (!state.sawAny || refused) {
          throw e; // never connected, or refused (bad filter, token revoked): not an outage to wait out
        }
        err.println("rollgate: " + e.getMessage() + "; retrying in " + backoff.toSeconds() + " s");
        err.flush();
      }
      if (count != null && state.printed >= count) {
        return 0;
      }
      if (state.sawThisTime) {
        backoff = Duration.ofSeconds(1); // the last connection worked: start the backoff over
      }
      Thread.sleep(backoff); // reconnect pacing, as an EventSource does
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  private String path() {
    var q = new ArrayList<String>();
    if (!types.isEmpty()) {
      q.add("types=" + URLEncoder.encode(String.join(",", types), StandardCharsets.UTF_8));
    }
    if (subject != null) {
      q.add("subject=" + URLEncoder.encode(subject, StandardCharsets.UTF_8));
    }
    return "/api/v1/events" + (q.isEmpty() ? "" : "?" + String.join("&", q));
  }

  private void print(PrintWriter out, ApiClient.SseFrame frame) {
    if (opts.json) {
      out.println(frame.data()); // one JSON object per line (NDJSON)
    } else {
      JsonNode e;
      try {
        e = Json.mapper().readTree(frame.data());
      } catch (IOException ex) {
        out.println(frame.event() + " " + frame.data());
        out.flush();
        return;
      }
      out.println(AuditCommand.Tail.line(e));
    }
    out.flush();
  }
}
