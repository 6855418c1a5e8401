package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A journaled action on one resource ({@code POST <path> {"reason"}}): the rollout and incident
 * actions share everything but their path and how they print the answer.
 */
abstract class ReasonedAction implements Callable<Integer> {
  @Mixin ClientOptions opts;
  @Spec CommandSpec spec;
  @Option(names = "--reason", required = true, description = "Why; required, recorded in the journal with your name")
  String reason;

  /** The action's API path, e.g. {@code /api/v1/rollouts/p-1/pause}; checks the id first. */
  abstract String path();

  /** The answer as text, for a person. */
  abstract void print(PrintWriter out, JsonNode answer);

  @Override
  public Integer call() {
    String path = path();
    if (reason.isBlank()) {
      throw new CliException(2, "--reason must not be blank: say why, it is recorded in the journal");
    }
    JsonNode r = opts.client().send("POST", path, Map.of("reason", reason));
    var out = spec.commandLine().getOut();
    if (opts.json) {
      out.println(r.toPrettyString());
    } else {
      print(out, r);
    }
    return 0;
  }
}
