package io.rollgate.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Manage API tokens (admin).",
    subcommands = TokenCommand.Create.class)
final class TokenCommand {
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a token; it is printed once and cannot be shown again.")
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Token name, recorded as the actor of its changes")
    String name;

    @Option(names = "--role", required = true, description = "viewer, operator or admin")
    String role;

    @Override
    public Integer call() {
      var r = opts.client().send("POST", "/api/v1/tokens", Map.of("name", name, "role", role));
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
      } else {
        out.println(r.path("token").asText());
        spec.commandLine().getErr().println("created " + r.path("role").asText() + " token '" + name
            + "'; store it now, it is not shown again");
      }
      return 0;
    }
  }
}
