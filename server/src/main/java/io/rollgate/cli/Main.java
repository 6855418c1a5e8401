package io.rollgate.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rollgate}: the server and a client for its API. Exit 0 success, 1 negative verdict, 2 usage or connection. */
@Command(name = "rollgate", mixinStandardHelpOptions = true, version = "rollgate 0.1.0",
    description = "Change running systems safely: guarded, versioned, audited runtime policies.",
    subcommands = {ServeCommand.class, PolicyCommand.class, AuditCommand.class, TokenCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams and returns the exit code (used by tests). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    var cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof CliException ce) {
        cmd.getErr().println("rollgate: " + ce.getMessage());
        return ce.exitCode;
      }
      cmd.getErr().println("rollgate: " + ex.getMessage());
      return 2;
    });
    return cli.execute(args);
  }
}
