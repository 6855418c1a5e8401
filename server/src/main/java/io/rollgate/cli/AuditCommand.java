package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read and verify the audit journal.",
    subcommands = {AuditCommand.Tail.class, AuditCommand.Verify.class})
final class AuditCommand {
  @Command(name = "tail", mixinStandardHelpOptions = true, description = "Print journal entries after a sequence number.")
  static final class Tail implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--after", defaultValue = "0", description = "Print entries with seq greater than this (default 0)")
    long after;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many entries (1-1000, default 100)")
    int limit;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get("/api/v1/audit?afterSeq=" + after + "&limit=" + limit);
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      for (JsonNode e : r.path("entries")) {
        out.println(line(e));
      }
      return 0;
    }

    /** One journal entry as a line of text: what {@code audit tail} and {@code events} print. */
    static String line(JsonNode e) {
      return String.format("%6d  %s  %-26s %-24s %-12s %s", e.path("seq").asLong(), e.path("recordedAt").asText(),
          e.path("type").asText(), e.path("subject").asText(), e.path("actor").asText(), summary(e.path("payload")));
    }

    private static String summary(JsonNode p) {
      if (p.has("skipReason")) {
        return "skipped: " + p.path("skipReason").path("note").asText();
      }
      if (p.has("version") && p.has("stateHash")) {
        return "v" + p.path("version").asInt() + " " + PolicyCommand.abbrev(p.path("stateHash").asText());
      }
      return p.path("reason").asText("");
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Recompute the hash chain; exit 1 if it is broken.")
  static final class Verify implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get("/api/v1/audit/verify");
      var out = spec.commandLine().getOut();
      boolean ok = r.path("ok").asBoolean();
      if (opts.json) {
        out.println(r.toPrettyString());
      } else if (ok) {
        out.println("ok: " + r.path("entries").asLong() + " entries, head " + r.path("headHash").asText());
      } else {
        out.println("BROKEN at seq " + r.path("firstBadSeq").asText() + ": " + r.path("problem").asText());
      }
      return ok ? 0 : 1;
    }
  }
}
