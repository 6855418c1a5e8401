package io.rollgate.cli;

import java.io.PrintWriter;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code rollgate}: the server and a client for its API. Exit 0 success, 1 negative verdict, 2 usage or connection. */
@Command(name = "rollgate", mixinStandardHelpOptions = true, version = "rollgate 0.1.0",
    description = "Change running systems safely: guarded, versioned, audited runtime policies.",
    subcommands = {ServeCommand.class, PolicyCommand.class, AuditCommand.class, EventsCommand.class,
        TokenCommand.class, RolloutCommand.class, IncidentCommand.class,
        SyncCommand.class,
        SimulateCommand.class,
        ScenarioCommand.class,
        PromotionCommand.class,
        DemoCommand.class,
        ClusterCommand.class,
        GateCommand.class,
        SoakCommand.class,
        BackupCommand.Backup.class, BackupCommand.Restore.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Where client commands look up ROLLGATE_URL and ROLLGATE_TOKEN: the process environment, or a test's map. */
  Function<String, String> env = System::getenv;

  /** Whether stdout is an interactive terminal (redraw with ANSI codes) rather than a pipe, a file or a test. */
  boolean terminal;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), System::getenv,
        stdoutIsTerminal()));
  }

  /** JDK 22+ has a Console even when redirected and says so with isTerminal(); JDK 21 has none then. */
  private static boolean stdoutIsTerminal() {
    var console = System.console();
    if (console == null || "dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a console exists only for a terminal
    }
  }

  /** Runs the CLI with the given streams and returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, System::getenv);
  }

  /** As {@link #run(String[], PrintWriter, PrintWriter)}, reading environment variables from {@code env} (tests). */
  static int run(String[] args, PrintWriter out, PrintWriter err, Function<String, String> env) {
    return run(args, out, err, env, false);
  }

  /** As {@link #run(String[], PrintWriter, PrintWriter, Function)}, saying whether {@code out} is a terminal. */
  static int run(String[] args, PrintWriter out, PrintWriter err, Function<String, String> env, boolean terminal) {
    var main = new Main();
    main.env = env;
    main.terminal = terminal;
    var cli = new CommandLine(main);
    cli.setOut(out);
    cli.setErr(err);
    // usage errors in one line, like every other error; the usage itself is one --help away
    cli.setParameterExceptionHandler((ex, a) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("rollgate: " + oneLine(ex.getMessage()) + " (see '"
          + cmd.getCommandSpec().qualifiedName() + " --help')");
      return 2;
    });
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof CliException ce) {
        cmd.getErr().println("rollgate: " + oneLine(ce.getMessage()));
        return ce.exitCode;
      }
      cmd.getErr().println("rollgate: " + oneLine(ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return 2;
    });
    return cli.execute(args);
  }

  private static String oneLine(String message) {
    return String.valueOf(message).strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
