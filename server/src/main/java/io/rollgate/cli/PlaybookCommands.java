package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rollgate incident actions|dry-run|execute|approve|cancel|undo|history}: remediation playbooks
 * on an incident (docs/operations/playbooks.md).
 */
final class PlaybookCommands {
  private PlaybookCommands() {}

  private static final Pattern ID = Pattern.compile("[1-9][0-9]{0,17}");
  private static final Pattern ACTION = Pattern.compile("[a-z][a-z-]{0,40}");

  static String actionsPath(String incident) {
    return IncidentCommand.incidentPath(incident) + "/actions";
  }

  static String executionPath(String incident, String execution) {
    if (execution == null || !ID.matcher(execution).matches()) {
      throw new CliException(2, "invalid execution id '" + (execution == null ? "" : execution.length() > 40
          ? execution.substring(0, 40) + "…" : execution) + "': must be a positive whole number, such as 7");
    }
    return actionsPath(incident) + "/" + execution;
  }

  /** The action name and parameters of a dry run or an execution. */
  abstract static class Request implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "INCIDENT", description = "The incident id, such as 42") String incident;
    @Parameters(index = "1", paramLabel = "ACTION",
        description = "rollback-rollout, pause-rollout, resume-rollout, set-percentage, freeze-policy, "
            + "unfreeze-policy, revert-policy, rerun-analysis or http-call (see `rollgate incident actions`)")
    String action;
    @Option(names = "--params", paramLabel = "JSON", description = "All parameters as one JSON object")
    String params;
    @Option(names = {"-p", "--param"}, paramLabel = "KEY=VALUE",
        description = "One parameter; VALUE is read as JSON when it is a number, true, false or quoted, else as text. "
            + "Repeatable, e.g. -p rollout=limits-3 -p percentage=10")
    Map<String, String> param = new LinkedHashMap<>();

    ObjectNode body() {
      if (!ACTION.matcher(action).matches()) {
        throw new CliException(2, "invalid action '" + (action.length() > 40 ? action.substring(0, 40) + "…" : action)
            + "': see `rollgate incident actions INCIDENT`");
      }
      ObjectNode p;
      if (params != null) {
        JsonNode parsed;
        try {
          parsed = Json.mapper().readTree(params);
        } catch (java.io.IOException | RuntimeException e) {
          throw new CliException(2, "--params is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (parsed == null || !parsed.isObject()) {
          throw new CliException(2, "--params must be a JSON object, such as {\"rollout\":\"limits-3\"}");
        }
        p = (ObjectNode) parsed;
      } else {
        p = Json.object();
      }
      param.forEach((k, v) -> p.set(k, value(v)));
      ObjectNode b = Json.object().put("action", action);
      b.set("params", p);
      return b;
    }

    private static JsonNode value(String v) {
      if (v.equals("true") || v.equals("false") || v.startsWith("\"") || v.matches("-?[0-9]+(\\.[0-9]+)?")) {
        try {
          return Json.mapper().readTree(v);
        } catch (java.io.IOException e) {
          throw new CliException(2, "-p value " + v + " is not valid JSON");
        }
      }
      return Json.mapper().getNodeFactory().textNode(v);
    }
  }

  @Command(name = "actions", mixinStandardHelpOptions = true,
      description = "The remediation actions that fit an incident now, with suggested parameters (viewer).")
  static final class Actions implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "INCIDENT", description = "The incident id, such as 42") String incident;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get(actionsPath(incident));
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      if (r.path("actions").isEmpty()) {
        out.println("no actions fit incident " + r.path("incidentId").asText());
        return 0;
      }
      for (JsonNode a : r.path("actions")) {
        out.printf("%-17s risk %-6s approval %-27s %s%n    params %s%n    %s%n", a.path("action").asText(),
            a.path("maxRisk").asText(), a.path("approval").asText(), a.path("reversible").asBoolean()
                ? "reversible" : "not reversible", a.path("suggestedParams"), a.path("fits").asText());
      }
      return 0;
    }
  }

  @Command(name = "dry-run", mixinStandardHelpOptions = true,
      description = "What an action would do: exact changes, impact, approval, reversibility. Changes nothing (operator).")
  static final class DryRun extends Request {
    @Override
    public Integer call() {
      ObjectNode body = body();
      JsonNode r = opts.client().send("POST", actionsPath(incident) + "/dry-run", body);
      var out = spec.commandLine().getOut();
      out.println(opts.json ? r.toPrettyString() : plan(r));
      return 0;
    }
  }

  static String plan(JsonNode r) {
    var b = new StringBuilder();
    b.append(r.path("action").asText()).append(" on ").append(r.path("target").asText()).append(": risk ")
        .append(r.path("risk").asText()).append(r.path("needsApproval").asBoolean()
            ? ", needs an approval by another admin (" + r.path("approvalReason").asText() + ")" : ", no approval needed")
        .append(r.path("reversible").asBoolean() ? ", reversible (" + r.at("/compensation/action").asText() + ")"
            : ", not reversible").append('\n');
    r.path("changes").forEach(c -> b.append("  - ").append(c.asText()).append('\n'));
    b.append("  impact: ").append(r.path("impact").asText());
    return b.toString();
  }

  @Command(name = "execute", mixinStandardHelpOptions = true,
      description = {"Execute an action (operator). High-risk actions (revert-policy, set-percentage upwards, "
          + "http-call) wait for an approval by another admin: `rollgate incident approve`."})
  static final class Execute extends Request {
    @Option(names = "--reason", required = true, description = "Why; required, recorded in the journal with your name")
    String reason;

    @Override
    public Integer call() {
      ObjectNode body = body();
      if (reason.isBlank()) {
        throw new CliException(2, "--reason must not be blank: say why, it is recorded in the journal");
      }
      body.put("reason", reason);
      JsonNode r = opts.client().send("POST", actionsPath(incident) + "/execute", body);
      print(spec.commandLine().getOut(), r, opts.json);
      return r.path("state").asText().equals("failed") ? 1 : 0;
    }
  }

  static void print(PrintWriter out, JsonNode r, boolean json) {
    if (json) {
      out.println(r.toPrettyString());
      return;
    }
    out.printf("execution %s (%s on %s): %s%s%n", r.path("id").asText(), r.path("action").asText(),
        r.path("target").asText(), r.path("state").asText(), switch (r.path("state").asText()) {
          case "awaiting_approval" -> " until " + r.path("approvalDeadline").asText() + "; another admin approves with "
              + "`rollgate incident approve " + r.path("incidentId").asText() + " " + r.path("id").asText()
              + " --reason …`";
          case "failed" -> ": " + r.at("/result/error").asText();
          case "succeeded" -> r.path("reversible").asBoolean() ? "; undo with `rollgate incident undo "
              + r.path("incidentId").asText() + " " + r.path("id").asText() + " --reason …`" : "";
          default -> "";
        });
  }

  /** approve, cancel and undo: {@code POST …/actions/{execution}/<verb> {"reason"}}. */
  abstract static class OnExecution extends ReasonedAction {
    @Parameters(index = "0", paramLabel = "INCIDENT", description = "The incident id, such as 42") String incident;
    @Parameters(index = "1", paramLabel = "EXECUTION", description = "The execution id, such as 7") String execution;

    abstract String verb();

    @Override
    String path() {
      return executionPath(incident, execution) + "/" + verb();
    }

    @Override
    void print(PrintWriter out, JsonNode r) {
      PlaybookCommands.print(out, r, false);
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Approve a high-risk execution you did not request (admin); it runs at once.")
  static final class Approve extends OnExecution {
    @Override
    String verb() {
      return "approve";
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Withdraw an execution that waits for its approval (operator).")
  static final class Cancel extends OnExecution {
    @Override
    String verb() {
      return "cancel";
    }
  }

  @Command(name = "undo", mixinStandardHelpOptions = true,
      description = "Undo a succeeded reversible execution with its compensation (operator); "
          + "undoing a step down is a step up and waits for an approval.")
  static final class Undo extends OnExecution {
    @Override
    String verb() {
      return "rollback";
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true,
      description = "The incident's executions, newest first, with who did what (viewer).")
  static final class History implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "INCIDENT", description = "The incident id, such as 42") String incident;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get(actionsPath(incident) + "/history");
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      if (r.path("executions").isEmpty()) {
        out.println("no executions on incident " + r.path("incidentId").asText());
        return 0;
      }
      for (JsonNode e : r.path("executions")) {
        print(out, e, false);
        for (JsonNode t : e.path("transitions")) {
          out.printf("    %s  %s%s by %s: %s%n", t.path("at").asText(), t.path("from").isNull() ? ""
              : t.path("from").asText() + " → ", t.path("to").asText(), t.path("actor").asText(),
              t.path("reason").asText());
        }
      }
      return 0;
    }
  }
}
