package io.rollgate.cli;

import io.rollgate.server.RollgateServer;
import io.rollgate.server.http.AuthLimits;
import io.rollgate.store.journal.JournalConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
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

  @Option(names = "--auth-failure-limit", defaultValue = "20",
      description = "Failed authentications one client address may make per window before its requests carrying "
          + "a token get 429 (default ${DEFAULT-VALUE}; 0 turns it off, e.g. behind a proxy all clients share)")
  int authFailureLimit;

  @Option(names = "--auth-failure-window", defaultValue = "60", paramLabel = "SECONDS",
      description = "The window for --auth-failure-limit, in seconds (default ${DEFAULT-VALUE})")
  long authFailureWindow;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new CliException(2, "--port must be between 0 and 65535, got " + port);
    }
    AuthLimits authLimits;
    try {
      authLimits = new AuthLimits(authFailureLimit, Duration.ofSeconds(authFailureWindow),
          AuthLimits.DEFAULTS.maxAddresses());
    } catch (IllegalArgumentException e) {
      throw new CliException(2, "--auth-failure-limit/--auth-failure-window: " + e.getMessage());
    }
    var cfg = new RollgateServer.Config(host, port, dataDir.toAbsolutePath().normalize(), db, System.getenv("ROLLGATE_DB_USER"),
        System.getenv("ROLLGATE_DB_PASSWORD"), System.getenv("ROLLGATE_ADMIN_TOKEN"), InstantSource.system(),
        JournalConfig.DEFAULTS, null, RollgateServer.Config.DEFAULT_ATTEST_INTERVAL, authLimits);
    RollgateServer server;
    try {
      server = RollgateServer.start(cfg);
    } catch (RuntimeException e) {
      throw new CliException(2, "cannot start: " + rootMessage(e));
    }
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "rollgate-shutdown"));
    var out = spec.commandLine().getOut();
    out.println("Rollgate listening on http://" + host + ":" + server.port());
    out.flush();
    stopped.await();
    return 0;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
  }
}
