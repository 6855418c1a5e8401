package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Replicas sharing one PostgreSQL database.",
    subcommands = {ClusterCommand.Status.class})
final class ClusterCommand {
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Which replica leads, at which fencing epoch, and every replica's last heartbeat.")
  static final class Status implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get("/api/v1/cluster");
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      String leader = r.path("leader").isNull() ? "(none)" : r.path("leader").asText();
      out.println("self " + r.path("self").asText() + ", leader " + leader + ", epoch " + r.path("epoch").asLong());
      out.println(String.format("%-12s %-24s %-7s %-26s %s", "REPLICA", "ADDRESS", "LEADER", "LAST SEEN", "JOURNAL SEQ"));
      for (JsonNode rep : r.path("replicas")) {
        out.println(String.format("%-12s %-24s %-7s %-26s %d", rep.path("id").asText(), rep.path("address").asText(),
            rep.path("leader").asBoolean() ? "yes" : "", rep.path("lastSeenAt").asText(),
            rep.path("journalSeq").asLong()));
      }
      return 0;
    }
  }
}
