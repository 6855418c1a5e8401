package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollgate incident …}: list and read incidents, and move them through their lifecycle. */
@Command(name = "incident", mixinStandardHelpOptions = true,
    description = {"Incidents opened by rollbacks, gate failures, verification and attestation failures.",
        "Lifecycle: open → acknowledged → mitigated → resolved → closed (unack: acknowledged → open; "
            + "resolve also from open or acknowledged)."},
    subcommands = {IncidentCommand.List_.class, IncidentCommand.Show.class, IncidentCommand.Ack.class,
        IncidentCommand.Unack.class, IncidentCommand.Mitigate.class, IncidentCommand.Resolve.class,
        IncidentCommand.Close.class, PlaybookCommands.Actions.class, PlaybookCommands.DryRun.class,
        PlaybookCommands.Execute.class, PlaybookCommands.Approve.class, PlaybookCommands.Cancel.class,
        PlaybookCommands.Undo.class, PlaybookCommands.History.class})
final class IncidentCommand {
  private IncidentCommand() {}

  private static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");
  private static final Pattern WORD = Pattern.compile("[a-z0-9_]{1,40}");

  /** The API path of an incident; the id is checked first, so that '../x' cannot reach another route. */
  static String incidentPath(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      String shown = id == null ? "(none)" : "'" + (id.length() > 80 ? id.substring(0, 80) + "…" : id) + "'";
      throw new CliException(2, "invalid incident id " + shown + ": must be a positive whole number, such as 42");
    }
    return "/api/v1/incidents/" + id;
  }

  private static String filter(String name, String value) {
    if (!WORD.matcher(value).matches()) {
      throw new CliException(2, "invalid --" + name + " '" + (value.length() > 40 ? value.substring(0, 40) + "…" : value)
          + "'");
    }
    return name + "=" + value;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List incidents, newest first (viewer).")
  static final class List_ implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Option(names = "--state", paramLabel = "STATE", description = "open, acknowledged, mitigated, resolved or closed")
    String state;
    @Option(names = "--severity", paramLabel = "SEV", description = "sev1, sev2, sev3 or sev4") String severity;
    @Option(names = "--kind", paramLabel = "KIND",
        description = "rollout_regression, gate_failure, budget, verification_failure or attestation_failure")
    String kind;
    @Option(names = "--limit", paramLabel = "N", description = "At most this many (server default otherwise)")
    Integer limit;

    @Override
    public Integer call() {
      var q = new ArrayList<String>();
      if (state != null) {
        q.add(filter("state", state));
      }
      if (severity != null) {
        q.add(filter("severity", severity));
      }
      if (kind != null) {
        q.add(filter("kind", kind));
      }
      if (limit != null) {
        q.add("limit=" + limit);
      }
      JsonNode r = opts.client().get("/api/v1/incidents" + (q.isEmpty() ? "" : "?" + String.join("&", q)));
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      if (r.path("incidents").isEmpty()) {
        out.println("no incidents");
        return 0;
      }
      String format = "%-6s %-5s %-13s %-21s %6s  %s%n";
      out.printf(format, "ID", "SEV", "STATE", "KIND", "COUNT", "TITLE");
      for (JsonNode i : r.path("incidents")) {
        out.printf(format, i.path("id").asText(), i.path("severity").asText(), i.path("state").asText(),
            i.path("kind").asText(), i.path("count").asText(), i.path("title").asText());
      }
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "An incident with its occurrences and transitions (viewer).")
  static final class Show implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID", description = "The incident id, such as 42") String id;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get(incidentPath(id));
      var out = spec.commandLine().getOut();
      out.println(opts.json ? r.toPrettyString() : block(r));
      return 0;
    }
  }

  static String block(JsonNode r) {
    var b = new StringBuilder();
    b.append("incident ").append(r.path("id").asText()).append("  ").append(r.path("severity").asText())
        .append("  ").append(r.path("state").asText()).append("  ").append(r.path("kind").asText())
        .append(" '").append(r.path("source").asText()).append("'\n");
    b.append("  ").append(r.path("title").asText()).append('\n');
    b.append("  ").append(r.path("count").asInt()).append(" occurrence(s), last at ")
        .append(r.path("lastOccurrenceAt").asText()).append(", opened at ").append(r.path("createdAt").asText())
        .append('\n');
    b.append("  transitions:\n");
    for (JsonNode t : r.path("transitions")) {
      b.append("    ").append(t.path("at").asText()).append("  ")
          .append(t.path("from").isNull() ? "" : t.path("from").asText() + " → ").append(t.path("to").asText())
          .append(" by ").append(t.path("actor").asText()).append(": ").append(t.path("reason").asText()).append('\n');
    }
    b.append("  recent occurrences:\n");
    for (JsonNode o : r.path("occurrences")) {
      b.append("    ").append(o.path("at").asText()).append("  ").append(o.path("outcome").asText()).append("  ")
          .append(o.path("severity").asText()).append("  ").append(o.path("title").asText()).append('\n');
    }
    return b.toString().stripTrailing();
  }

  /** The lifecycle actions share everything but their name and path. */
  abstract static class Act extends ReasonedAction {
    @Parameters(index = "0", paramLabel = "ID", description = "The incident id, such as 42") String id;

    abstract String action();

    @Override
    String path() {
      return incidentPath(id) + "/" + action();
    }

    @Override
    void print(PrintWriter out, JsonNode r) {
      out.printf("incident %s is %s%n", r.path("id").asText(), r.path("state").asText());
    }
  }

  @Command(name = "ack", mixinStandardHelpOptions = true, description = "Acknowledge: someone is on it (operator).")
  static final class Ack extends Act {
    @Override
    String action() {
      return "acknowledge";
    }
  }

  @Command(name = "unack", mixinStandardHelpOptions = true,
      description = "Un-acknowledge: back to open, for someone else to take (operator).")
  static final class Unack extends Act {
    @Override
    String action() {
      return "unacknowledge";
    }
  }

  @Command(name = "mitigate", mixinStandardHelpOptions = true,
      description = "Mark mitigated: the impact is contained (operator).")
  static final class Mitigate extends Act {
    @Override
    String action() {
      return "mitigate";
    }
  }

  @Command(name = "resolve", mixinStandardHelpOptions = true,
      description = "Resolve; a new signal within the reopen window (30 min) reopens it (operator).")
  static final class Resolve extends Act {
    @Override
    String action() {
      return "resolve";
    }
  }

  @Command(name = "close", mixinStandardHelpOptions = true,
      description = "Close a resolved incident; final: a later signal opens a new one (operator).")
  static final class Close extends Act {
    @Override
    String action() {
      return "close";
    }
  }
}
