package io.rollgate.cli;

import io.rollgate.server.RollgateServer;
import io.rollgate.server.http.AuthLimits;
import io.rollgate.store.journal.JournalConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Run the Rollgate server.",
        "Embedded SQLite in --data-dir by default; --db jdbc:postgresql://… for PostgreSQL "
            + "(credentials in the URL or ROLLGATE_DB_USER / ROLLGATE_DB_PASSWORD).",
        "The first admin token comes from ROLLGATE_ADMIN_TOKEN, or is generated into <data-dir>/admin-token."})
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "8080", description = "HTTP port (0 picks a free one; default ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for all interfaces)")
  String host;

  @Option(names = "--data-dir", defaultValue = "./rollgate-data",
      description = "Directory for the SQLite database and the generated admin token (default ${DEFAULT-VALUE})")
  Path dataDir;

  @Option(names = "--db", paramLabel = "JDBC_URL", description = "PostgreSQL JDBC URL, e.g. jdbc:postgresql://127.0.0.1:5432/rollgate")
  String db;

  @Option(names = "--attest-interval", paramLabel = "SECONDS", defaultValue = "60",
      description = "How often the attestor re-verifies the journal chain and policy state hashes (default ${DEFAULT-VALUE})")
  long attestIntervalSeconds;

  @Option(names = "--lease", paramLabel = "SECONDS", defaultValue = "15",
      description = "PostgreSQL replicas: how long a leader that stops renewing keeps leadership before another "
          + "replica takes over (default ${DEFAULT-VALUE}; see docs/operations/scale-out.md)")
  long leaseSeconds;

  @Option(names = "--drain-delay", paramLabel = "SECONDS", defaultValue = "0",
      description = {"On SIGTERM, how long /health answers 503 'draining' (changes refused) before the server "
          + "stops taking connections, so load balancers notice (default ${DEFAULT-VALUE})"})
  long drainDelaySeconds;
  @Option(names = "--metrics-token", paramLabel = "TOKEN",
      description = {"Bearer token that scrapes of /metrics must send (default: ROLLGATE_METRICS_TOKEN; "
          + "neither leaves /metrics open).", "Prefer the variable: a flag is visible in the process list."})
  String metricsToken;

  @Option(names = "--auth-failure-limit", defaultValue = "20",
      description = "Failed authentications one client address may make per window before its requests carrying "
          + "a token get 429 (default ${DEFAULT-VALUE}; 0 turns it off, e.g. behind a proxy all clients share)")
  int authFailureLimit;

  @Option(names = "--auth-failure-window", defaultValue = "60", paramLabel = "SECONDS",
      description = "The window for --auth-failure-limit, in seconds (default ${DEFAULT-VALUE})")
  long authFailureWindow;

  @Option(names = "--config", paramLabel = "FILE",
      description = "rollgate.yaml: notifiers (github, gitlab, jira, slack, webhook) with ${ENV_VAR} secrets, and playbooks (httpAllow, approvalTtlMinutes); "
          + "see docs/operations/notifiers.md and playbooks.md")
  Path config;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new CliException(2, "--port must be between 0 and 65535, got " + port);
    }
    if (attestIntervalSeconds < 1 || attestIntervalSeconds > 86_400) {
      throw new CliException(2, "--attest-interval must be between 1 and 86400 seconds, got " + attestIntervalSeconds);
    }
    if (drainDelaySeconds < 0 || drainDelaySeconds > RollgateServer.Config.MAX_DRAIN_DELAY.toSeconds()) {
      throw new CliException(2, "--drain-delay must be between 0 and " + RollgateServer.Config.MAX_DRAIN_DELAY.toSeconds()
          + " seconds, got " + drainDelaySeconds);
    }
    if (authFailureLimit < 0 || authFailureLimit > 1_000_000) {
      throw new CliException(2, "--auth-failure-limit must be between 0 (off) and 1000000, got " + authFailureLimit);
    }
    if (authFailureWindow < 1 || authFailureWindow > 86_400) {
      throw new CliException(2, "--auth-failure-window must be between 1 and 86400 seconds, got " + authFailureWindow);
    }
    if (leaseSeconds < 1 || leaseSeconds > 600) {
      throw new CliException(2, "--lease must be between 1 and 600 seconds, got " + leaseSeconds);
    }
    var authLimits = new AuthLimits(authFailureLimit, Duration.ofSeconds(authFailureWindow),
        AuthLimits.DEFAULTS.maxAddresses());
    var cfg = new RollgateServer.Config(host, port, dataDir.toAbsolutePath().normalize(), db, System.getenv("ROLLGATE_DB_USER"),
        System.getenv("ROLLGATE_DB_PASSWORD"), System.getenv("ROLLGATE_ADMIN_TOKEN"), InstantSource.system(),
        JournalConfig.DEFAULTS, metricsToken(),
        new RollgateServer.Loops(Duration.ofSeconds(attestIntervalSeconds), RollgateServer.Loops.DEFAULT_ROLLOUT_TICK,
            Duration.ofSeconds(leaseSeconds)),
        Duration.ofSeconds(drainDelaySeconds), authLimits, io.rollgate.server.events.EventsConfig.DEFAULTS);
    var notifiers = io.rollgate.server.notify.NotifySettings.NONE;
    var playbooks = io.rollgate.incident.playbook.PlaybookSettings.DEFAULTS;
    if (config != null) {
      Function<String, String> env = spec.root().userObject() instanceof Main m ? m.env : System::getenv;
      try {
        notifiers = io.rollgate.server.notify.NotifySettings.load(config, env::apply);
        playbooks = io.rollgate.server.playbook.PlaybookConfig.load(config);
      } catch (io.rollgate.server.notify.NotifyConfigException | IllegalArgumentException e) {
        throw new CliException(2, "cannot start: " + e.getMessage());
      }
    }
    RollgateServer server;
    try {
      server = RollgateServer.start(cfg, notifiers, config == null ? "rollgate.yaml" : config.toString(), playbooks);
    } catch (RuntimeException e) {
      throw new CliException(2, "cannot start: " + rootMessage(e));
    }
    var stop = new CountDownLatch(1);
    // SIGTERM and SIGINT end a clean drain with exit status 0, as orchestrators expect; the hook
    // covers every other way the JVM may be asked to exit (close() is idempotent)
    boolean signals = onSignals(stop::countDown, "TERM", "INT");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stop.countDown();
    }, "rollgate-shutdown"));
    var out = spec.commandLine().getOut();
    out.println("Rollgate listening on http://" + host + ":" + server.port());
    out.println("Dashboard: http://" + host + ":" + server.port() + "/ui/ (sign in with an API token)");
    out.flush();
    stop.await();
    if (signals) {
      server.close();
    }
    return 0;
  }

  /** Handles the named signals with {@code action} instead of the JVM's default exit; false where unsupported. */
  @SuppressWarnings("removal")
  private static boolean onSignals(Runnable action, String... names) {
    try {
      for (String name : names) {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
      }
      return true;
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      return false;
    }
  }

  /** --metrics-token, else ROLLGATE_METRICS_TOKEN, else null (an open /metrics). Never logged. */
  String metricsToken() {
    if (metricsToken != null) {
      if (metricsToken.isBlank()) {
        throw new CliException(2, "--metrics-token must not be blank; omit it to leave /metrics open");
      }
      return metricsToken;
    }
    Function<String, String> env = spec.root().userObject() instanceof Main m ? m.env : System::getenv;
    String fromEnv = env.apply("ROLLGATE_METRICS_TOKEN");
    return fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
  }
}
