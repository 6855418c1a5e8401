package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.server.RollgateServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rollgate soak …}: propose a delta per iteration, apply it through the pipeline, gate on the result. */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Soak a policy: a tuner proposes one change per iteration, the apply pipeline decides, the gate judges.",
    subcommands = {SoakCommand.Run.class})
final class SoakCommand {
  private SoakCommand() {}

  /** What {@code --mock} creates when the policy does not exist yet: origin document 002's tuning parameters. */
  static final String MOCK_DOCUMENT = "{\"base_spread_bps\":1.0,\"min_interval_ms\":100,\"replace_threshold_bps\":0.5,"
      + "\"tail_age_ms\":600}";
  static final int MAX_ITERATIONS = 10_000;
  private static final int MAX_TUNER_OUTPUT = 1024 * 1024;

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"Run N iterations: the tuner proposes a JSON merge patch, it is applied under a session tag "
          + "(operator token), a progress line goes to stderr; at the end the session's apply statistics and the gate.",
          "--tuner-command runs CMD with sh -c; it gets the iteration's context as JSON on stdin (policy, iteration, "
              + "session, version, document, previous) and ROLLGATE_POLICY, ROLLGATE_ITERATION, ROLLGATE_SESSION in "
              + "its environment, and prints one merge patch on stdout. A non-zero exit, a timeout or anything but "
              + "one JSON object counts as a failed proposal, with the reason.",
          "Built-in tuners: builtin:walk (moves one numeric field by ±5%% per iteration, seeded), builtin:flaky "
              + "(walk, but every third proposal fails).",
          "--mock tries it in a minute: without --server (or ROLLGATE_URL) it starts a server in-process (a temporary SQLite "
              + "database), creates the policy with 002's tuning parameters when it is missing, and tunes with "
              + "builtin:walk unless told otherwise.",
          "Exit 0 PASS or WARN, 1 FAIL, 2 usage or connection error."})
  static final class Run implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;

    @Option(names = "--policy", required = true, paramLabel = "NAME", description = "The policy to tune")
    String policy;
    @Option(names = "--iterations", required = true, paramLabel = "N", description = "Proposals to make (1 to 10000)")
    int iterations;
    @ArgGroup(exclusive = true) Tuner tuner;

    static final class Tuner {
      @Option(names = "--tuner", paramLabel = "builtin:NAME", description = "builtin:walk or builtin:flaky")
      String builtin;
      @Option(names = "--tuner-command", paramLabel = "CMD", description = "A command that prints one merge patch")
      String command;
    }

    @Option(names = "--session", paramLabel = "TAG", description = "Session tag (default: soak-<policy>-<time>)")
    String session;
    @Option(names = "--mock", description = "Try it on a simulated system (see above)")
    boolean mock;
    @Option(names = "--strict", description = "Gate with the strict thresholds (full apply ratio ≥ 95%%)")
    boolean strict;
    @Option(names = "--seed", paramLabel = "N", description = "Seed of the built-in tuners (default 1)")
    long seed = 1;
    @Option(names = "--tuner-timeout", paramLabel = "SECONDS", description = "Per proposal (default 30)")
    int tunerTimeout = 30;
    @Option(names = "--max-seconds", paramLabel = "SECONDS",
        description = "Stop iterating after this long, whatever is left (default 600)")
    int maxSeconds = 600;
    @Option(names = "--prometheus-out", paramLabel = "FILE", description = "Write the gate as a Prometheus textfile")
    Path prometheusOut;

    @Override
    public Integer call() {
      GateCommand.usage(() -> PolicyName.of(policy));
      if (iterations < 1 || iterations > MAX_ITERATIONS) {
        throw new CliException(2, "--iterations must be between 1 and " + MAX_ITERATIONS + ", got " + iterations);
      }
      if (tunerTimeout < 1 || maxSeconds < 1) {
        throw new CliException(2, "--tuner-timeout and --max-seconds must be at least 1 second");
      }
      String tag = session != null ? session : "soak-" + policy + "-" + Instant.now().getEpochSecond();
      if (!tag.matches("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")) {
        throw new CliException(2, "--session must match [A-Za-z0-9][A-Za-z0-9._:-]{0,63}, got '" + tag + "'");
      }
      Proposer proposer = proposer();
      if (mock && !opts.serverGiven()) {
        return inProcess(tag, proposer);
      }
      return soak(opts.client(), tag, proposer);
    }

    private Proposer proposer() {
      if (tuner != null && tuner.command != null) {
        if (tuner.command.isBlank()) {
          throw new CliException(2, "--tuner-command must not be blank");
        }
        return new CommandTuner(tuner.command, Duration.ofSeconds(tunerTimeout));
      }
      String name = tuner == null || tuner.builtin == null ? (mock ? "builtin:walk" : null) : tuner.builtin;
      if (name == null) {
        throw new CliException(2, "a tuner is required: --tuner builtin:walk|builtin:flaky or --tuner-command CMD "
            + "(--mock defaults to builtin:walk)");
      }
      return switch (name) {
        case "builtin:walk" -> new WalkTuner(seed, 0);
        case "builtin:flaky" -> new WalkTuner(seed, 3);
        default -> throw new CliException(2, "unknown tuner '" + name + "': use builtin:walk or builtin:flaky");
      };
    }

    /** --mock without --server: a throw-away server on a free loopback port, stopped and deleted afterwards. */
    private int inProcess(String tag, Proposer proposer) {
      Path dir;
      try {
        dir = Files.createTempDirectory("rollgate-soak-");
      } catch (IOException e) {
        throw new CliException(2, "cannot create a temporary directory for the mock server: " + e.getMessage());
      }
      var err = spec.commandLine().getErr();
      try (var server = RollgateServer.start(RollgateServer.Config.defaults(dir))) {
        String token = Files.readString(dir.resolve(RollgateServer.ADMIN_TOKEN_FILE)).strip();
        String url = "http://127.0.0.1:" + server.port();
        err.printf("mock: started an in-process server at %s (data in %s, removed afterwards)%n", url, dir);
        return soak(new ApiClient(url, token), tag, proposer);
      } catch (IOException e) {
        throw new CliException(2, "cannot read the mock server's admin token: " + e.getMessage());
      } finally {
        deleteTree(dir);
      }
    }

    private int soak(ApiClient api, String tag, Proposer proposer) {
      PrintWriter err = spec.commandLine().getErr();
      String path = "/api/v1/policies/" + policy;
      if (mock) {
        ensureMockPolicy(api, path, err);
      }
      Instant deadline = Instant.now().plusSeconds(maxSeconds);
      String previous = null;
      int done = 0;
      int width = Integer.toString(iterations).length();
      for (int i = 1; i <= iterations; i++) {
        if (Instant.now().isAfter(deadline)) {
          err.printf("soak %s: stopped after %d of %d iterations: --max-seconds %d reached%n", tag, done, iterations,
              maxSeconds);
          break;
        }
        JsonNode current = api.get(path);
        ObjectNode context = Json.object().put("policy", policy).put("iteration", i).put("iterations", iterations)
            .put("session", tag).put("version", current.path("version").asInt());
        context.set("document", current.path("document"));
        context.put("previous", previous);
        Proposal p = proposer.propose(context);
        String line;
        if (p instanceof Proposal.Failed f) {
          reportFailure(api, path, tag, f);
          line = "failed: " + f.reason();
        } else {
          line = apply(api, path, tag, ((Proposal.Delta) p).delta(), i);
        }
        previous = line;
        done++;
        err.printf("soak %s [%" + width + "d/%d] %s%n", tag, i, iterations, line);
      }
      var body = new LinkedHashMap<String, Object>();
      body.put("policy", policy);
      body.put("session", tag);
      body.put("strict", strict);
      JsonNode gate = api.send("POST", "/api/v1/gate", body);
      PrintWriter out = spec.commandLine().getOut();
      if (!opts.json) {
        out.printf("soak %s: %d iterations on policy '%s'%n", tag, done, policy);
        out.println("apply statistics: " + GateOutput.statsLine(gate.path("applyStats")));
      }
      GateCommand.report(out, opts.json, gate, prometheusOut);
      return GateCommand.exitCode(gate);
    }

    /** One proposal through the pipeline; the answer as a progress line. */
    private String apply(ApiClient api, String path, String tag, ObjectNode delta, int i) {
      var body = new LinkedHashMap<String, Object>();
      body.put("delta", delta);
      body.put("reason", "soak " + tag + " iteration " + i);
      body.put("session", tag);
      JsonNode r;
      try {
        r = api.send("POST", path + "/changes", body);
      } catch (CliException e) {
        if (e.httpStatus == 409) {
          return "rejected: " + e.getMessage(); // the server journaled it as policy.rejected: counted already
        }
        if (e.httpStatus >= 400 && e.httpStatus < 500 && e.httpStatus != 401 && e.httpStatus != 403
            && e.httpStatus != 404) {
          // the delta itself was refused (not I-JSON, too large): a failed proposal the server did not count
          reportFailure(api, path, tag, new Proposal.Failed("the server refused the delta: " + e.getMessage(),
              Canonical.sha256Hex(Canonical.canonicalize(delta))));
          return "failed: " + e.getMessage();
        }
        throw e;
      }
      if (r.path("applied").asBoolean()) {
        return "applied v" + r.path("version").asInt() + ": " + String.join(", ", Json.mapper().convertValue(
            r.path("changedKeys"), String[].class));
      }
      return "skipped: " + r.path("skipReason").path("note").asText();
    }

    private static void reportFailure(ApiClient api, String path, String tag, Proposal.Failed f) {
      var body = new LinkedHashMap<String, Object>();
      body.put("reason", f.reason().length() > 1900 ? f.reason().substring(0, 1900) + "…" : f.reason());
      body.put("session", tag);
      if (f.signature() != null) {
        body.put("signature", f.signature());
      }
      api.send("POST", path + "/failed-proposals", body);
    }

    private void ensureMockPolicy(ApiClient api, String path, PrintWriter err) {
      try {
        api.get(path);
      } catch (CliException e) {
        if (e.httpStatus != 404) {
          throw e;
        }
        api.send("PUT", path, Map.of("document", Json.parse(MOCK_DOCUMENT, "mock"), "reason", "soak --mock"));
        err.printf("mock: created policy '%s' with %s%n", policy, MOCK_DOCUMENT);
      }
    }
  }

  /** What a tuner came up with. */
  sealed interface Proposal {
    record Delta(ObjectNode delta) implements Proposal {}

    /** @param signature SHA-256 of what the tuner printed, when it printed anything; null otherwise */
    record Failed(String reason, String signature) implements Proposal {}
  }

  interface Proposer {
    Proposal propose(ObjectNode context);
  }

  /**
   * Moves one numeric top-level field per iteration (in name order, round robin) up or down by 5% (at
   * least 1 for integers), the direction drawn from a seeded generator: every proposal is a real change.
   * With {@code failEvery} > 0, every {@code failEvery}-th proposal fails instead (builtin:flaky).
   */
  static final class WalkTuner implements Proposer {
    private final java.util.Random random;
    private final int failEvery;

    WalkTuner(long seed, int failEvery) {
      this.random = new java.util.Random(seed);
      this.failEvery = failEvery;
    }

    @Override
    public Proposal propose(ObjectNode context) {
      int i = context.path("iteration").asInt();
      boolean up = random.nextBoolean();
      if (failEvery > 0 && i % failEvery == 0) {
        return new Proposal.Failed("builtin:flaky fails every " + failEvery + " proposals, on purpose", null);
      }
      JsonNode doc = context.path("document");
      var numeric = new java.util.ArrayList<String>();
      doc.properties().forEach(e -> {
        if (e.getValue().isNumber()) {
          numeric.add(e.getKey());
        }
      });
      if (numeric.isEmpty()) {
        return new Proposal.Failed("builtin:walk needs a numeric top-level field in the policy, found none", null);
      }
      numeric.sort(null);
      String field = numeric.get((i - 1) % numeric.size());
      JsonNode v = doc.get(field);
      ObjectNode delta = Json.object();
      if (v.isIntegralNumber()) {
        long step = Math.max(1, Math.abs(v.longValue()) / 20);
        delta.put(field, up || v.longValue() - step < 0 ? v.longValue() + step : v.longValue() - step);
      } else {
        double next = v.doubleValue() * (up ? 1.05 : 0.95);
        delta.put(field, java.math.BigDecimal.valueOf(next == 0 ? 0.01 : next)
            .round(new java.math.MathContext(4)).doubleValue());
      }
      return new Proposal.Delta(delta);
    }
  }

  /** Runs the tuner command once per proposal with {@code sh -c}. */
  static final class CommandTuner implements Proposer {
    private final String command;
    private final Duration timeout;

    CommandTuner(String command, Duration timeout) {
      this.command = command;
      this.timeout = timeout;
    }

    @Override
    public Proposal propose(ObjectNode context) {
      Path stderr = null;
      Process p = null;
      try {
        stderr = Files.createTempFile("rollgate-tuner-", ".err");
        var pb = new ProcessBuilder("sh", "-c", command).redirectError(stderr.toFile());
        pb.environment().put("ROLLGATE_POLICY", context.path("policy").asText());
        pb.environment().put("ROLLGATE_ITERATION", context.path("iteration").asText());
        pb.environment().put("ROLLGATE_SESSION", context.path("session").asText());
        p = pb.start();
        Process started = p;
        var output = new java.util.concurrent.FutureTask<>(() -> readBounded(started));
        Thread.ofVirtual().name("tuner-stdout").start(output);
        try (var stdin = p.getOutputStream()) {
          stdin.write(Json.write(context).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // the tuner does not read its stdin: fine
        }
        if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          return new Proposal.Failed("tuner timed out after " + timeout.toSeconds() + " s", null);
        }
        byte[] out = output.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        String text = new String(out, StandardCharsets.UTF_8).strip();
        String signature = text.isEmpty() ? null : Canonical.sha256Hex(text);
        if (p.exitValue() != 0) {
          return new Proposal.Failed("tuner exited with " + p.exitValue() + lastLine(stderr), signature);
        }
        JsonNode patch;
        try {
          patch = Json.mapper().readTree(text);
        } catch (IOException e) {
          return new Proposal.Failed("tuner printed no JSON merge patch: " + shorten(text), signature);
        }
        if (patch == null || !patch.isObject()) {
          return new Proposal.Failed("tuner printed " + (patch == null ? "nothing" : "JSON that is not an object: "
              + shorten(text)) + "; a merge patch is one JSON object", signature);
        }
        return new Proposal.Delta((ObjectNode) patch);
      } catch (IOException e) {
        return new Proposal.Failed("cannot run the tuner: " + e.getMessage(), null);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        return new Proposal.Failed("cannot read the tuner's output: " + e, null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(2, "interrupted");
      } finally {
        if (p != null && p.isAlive()) {
          p.destroyForcibly();
        }
        if (stderr != null) {
          try {
            Files.deleteIfExists(stderr);
          } catch (IOException ignored) {
            // a temp file left behind is harmless
          }
        }
      }
    }

    private static byte[] readBounded(Process p) {
      try (var in = p.getInputStream()) {
        byte[] b = in.readNBytes(MAX_TUNER_OUTPUT);
        in.transferTo(java.io.OutputStream.nullOutputStream()); // drain the rest so the tuner never blocks
        return b;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    private static String lastLine(Path stderr) throws IOException {
      var lines = Files.readAllLines(stderr, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).isBlank()) {
          return ": " + shorten(lines.get(i).strip());
        }
      }
      return "";
    }

    private static String shorten(String s) {
      String one = s.replaceAll("\\s+", " ");
      return one.isEmpty() ? "(empty)" : one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a temporary directory
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
