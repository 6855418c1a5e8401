package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "policy", mixinStandardHelpOptions = true, description = "Create, change, inspect and roll back policies.",
    subcommands = {PolicyCommand.List_.class, PolicyCommand.Get.class, PolicyCommand.Put.class,
        PolicyCommand.Change.class, PolicyCommand.History.class, PolicyCommand.Rollback.class,
        PolicyCommand.Freeze.class, PolicyCommand.Unfreeze.class, PolicyCommand.Guards.class})
final class PolicyCommand {
  private PolicyCommand() {}

  static String abbrev(String hash) {
    return hash == null || hash.length() < 12 ? String.valueOf(hash) : hash.substring(0, 12);
  }

  /** Prints an apply result; a skipped change is a negative verdict (exit 1). */
  static int printResult(CommandSpec spec, ClientOptions opts, JsonNode r) {
    var out = spec.commandLine().getOut();
    boolean applied = r.path("applied").asBoolean();
    if (opts.json) {
      out.println(r.toPrettyString());
    } else if (applied) {
      out.printf("applied: %s is now version %d (%s)%n", r.path("policy").asText(), r.path("version").asInt(),
          abbrev(r.path("stateHash").asText()));
      for (JsonNode k : r.path("changedKeys")) {
        out.println("  changed " + (k.asText().isEmpty() ? "/" : k.asText()));
      }
    } else {
      JsonNode s = r.path("skipReason");
      List<String> flags = new java.util.ArrayList<>();
      for (String f : List.of("freeze", "oscillation", "velocity", "cooldown", "noOp")) {
        if (s.path(f).asBoolean()) {
          flags.add(f);
        }
      }
      out.printf("skipped: %s stays at version %d — %s [%s]%n", r.path("policy").asText(), r.path("version").asInt(),
          s.path("note").asText(), String.join(", ", flags));
    }
    return applied ? 0 : 1;
  }

  /** The API path of a policy. The name is checked first, so that a name like '../tokens' cannot reach another route. */
  static String policyPath(String name) {
    return "/api/v1/policies/" + PolicyName.of(name);
  }

  static String reasonOrNull(String reason) {
    return reason == null || reason.isBlank() ? null : reason;
  }

  static Map<String, Object> body(Object... kv) {
    var m = new LinkedHashMap<String, Object>();
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put((String) kv[i], kv[i + 1]);
      }
    }
    return m;
  }

  static JsonNode readJson(String inline, Path file, String what) {
    String text;
    if (inline != null) {
      text = inline;
    } else {
      try {
        text = file.toString().equals("-") ? new String(System.in.readAllBytes()) : Files.readString(file);
      } catch (IOException e) {
        throw new CliException(2, "cannot read " + what + " file " + file + ": " + e.getMessage());
      }
    }
    try {
      return Json.mapper().readTree(text);
    } catch (IOException e) {
      throw new CliException(2, what + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List policies.")
  static final class List_ implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get("/api/v1/policies");
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      for (JsonNode p : r.path("policies")) {
        out.printf("%-32s v%-5d %s%s%n", p.path("name").asText(), p.path("version").asInt(),
            abbrev(p.path("stateHash").asText()), p.path("frozen").asBoolean() ? "  FROZEN" : "");
      }
      return 0;
    }
  }

  // not mixinStandardHelpOptions: its --version would clash with ours, and picocli then drops --help as well
  @Command(name = "get", description = "Show a policy's current (or a given) version.")
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--version", description = "Show this version instead of the current one") Integer version;
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.") boolean help;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get(policyPath(name) + (version == null ? "" : "/versions/" + version));
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      out.printf("# %s version %d %s%s%n", name, r.path("version").asInt(), r.path("stateHash").asText(),
          r.path("frozen").asBoolean() ? " FROZEN: " + r.path("frozenReason").asText("") : "");
      out.println(r.path("document").toPrettyString());
      return 0;
    }
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = "Create a policy, or propose a whole new document for it (guarded).")
  static final class Put implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @ArgGroup(exclusive = true, multiplicity = "1") Source source;
    @Option(names = "--reason", description = "Why; recorded in the journal") String reason;

    static final class Source {
      @Option(names = "--document", paramLabel = "JSON", description = "The document inline") String inline;
      @Option(names = "--file", paramLabel = "FILE", description = "Read the document from FILE ('-' for stdin)") Path file;
    }

    @Override
    public Integer call() {
      JsonNode doc = readJson(source.inline, source.file, "document");
      return printResult(spec, opts, opts.client().send("PUT", policyPath(name),
          body("document", doc, "reason", reasonOrNull(reason))));
    }
  }

  @Command(name = "change", mixinStandardHelpOptions = true,
      description = {"Propose a change as a JSON Merge Patch (RFC 7396), guarded.",
          "Exit 0 when applied, 1 when skipped by a guard or as a no-op."})
  static final class Change implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--set", paramLabel = "PATH=VALUE",
        description = "Set a nested value, e.g. --set standard.max_wall_time_ms=5000 (VALUE is JSON if it parses, "
            + "else a string; null removes the key). Repeatable.")
    List<String> sets;
    @Option(names = "--delta", paramLabel = "JSON", description = "The merge patch inline") String delta;
    @Option(names = "--delta-file", paramLabel = "FILE", description = "Read the merge patch from FILE") Path deltaFile;
    @Option(names = "--reason", description = "Why; recorded in the journal") String reason;

    @Override
    public Integer call() {
      int given = (sets == null || sets.isEmpty() ? 0 : 1) + (delta == null ? 0 : 1) + (deltaFile == null ? 0 : 1);
      if (given != 1) {
        throw new CliException(2, "give exactly one of --set, --delta or --delta-file");
      }
      JsonNode patch = sets != null && !sets.isEmpty() ? fromSets(sets) : readJson(delta, deltaFile, "delta");
      return printResult(spec, opts, opts.client().send("POST", policyPath(name) + "/changes",
          body("delta", patch, "reason", reasonOrNull(reason))));
    }

    static ObjectNode fromSets(List<String> sets) {
      ObjectNode root = Json.object();
      for (String s : sets) {
        int eq = s.indexOf('=');
        if (eq <= 0) {
          throw new CliException(2, "--set expects PATH=VALUE, got '" + s + "'");
        }
        String[] path = s.substring(0, eq).split("\\.");
        String raw = s.substring(eq + 1);
        JsonNode value;
        try {
          value = Json.mapper().readTree(raw);
          if (value == null || value.isMissingNode()) {
            value = Json.mapper().getNodeFactory().textNode(raw);
          }
        } catch (IOException e) {
          value = Json.mapper().getNodeFactory().textNode(raw);
        }
        ObjectNode cur = root;
        for (int i = 0; i < path.length - 1; i++) {
          if (path[i].isEmpty()) {
            throw new CliException(2, "--set path '" + s.substring(0, eq) + "' has an empty segment");
          }
          JsonNode next = cur.get(path[i]);
          cur = next instanceof ObjectNode o ? o : cur.putObject(path[i]);
        }
        cur.set(path[path.length - 1], value);
      }
      return root;
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true, description = "List a policy's versions, newest first.")
  static final class History implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--limit", defaultValue = "20", description = "At most this many versions (default 20)") int limit;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get(policyPath(name) + "/versions?limit=" + limit);
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      for (JsonNode v : r.path("versions")) {
        out.printf("v%-5d %s  %-8s %-24s %-12s %s%n", v.path("version").asInt(), abbrev(v.path("stateHash").asText()),
            v.path("kind").asText(), v.path("createdAt").asText(), v.path("actor").asText(),
            v.path("reason").asText(""));
      }
      return 0;
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Make an earlier version's content the newest version. Only a freeze stops it.")
  static final class Rollback implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--to", required = true, paramLabel = "VERSION", description = "The version to restore") int to;
    @Option(names = "--reason", description = "Why; recorded in the journal") String reason;

    @Override
    public Integer call() {
      return printResult(spec, opts, opts.client().send("POST", policyPath(name) + "/rollback",
          body("toVersion", to, "reason", reasonOrNull(reason))));
    }
  }

  @Command(name = "freeze", mixinStandardHelpOptions = true, description = "Stop every change to a policy (admin).")
  static final class Freeze implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--reason", description = "Why; shown in every skipped change") String reason;

    @Override
    public Integer call() {
      return printPolicy(spec, opts, opts.client().send("POST", policyPath(name) + "/freeze",
          body("reason", reasonOrNull(reason))));
    }
  }

  @Command(name = "unfreeze", mixinStandardHelpOptions = true, description = "Allow changes again (admin).")
  static final class Unfreeze implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--reason", description = "Why; recorded in the journal") String reason;

    @Override
    public Integer call() {
      return printPolicy(spec, opts, opts.client().send("POST", policyPath(name) + "/unfreeze",
          body("reason", reasonOrNull(reason))));
    }
  }

  @Command(name = "guards", mixinStandardHelpOptions = true,
      description = {"Show a policy's guards, or set them (admin) when any option is given.",
          "Setting replaces all guards: an option left out turns that guard off."})
  static final class Guards implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = "--cooldown", paramLabel = "SECONDS", description = "Minimum seconds between applied changes")
    Long cooldown;
    @Option(names = "--velocity", paramLabel = "MAX/SECONDS",
        description = "At most MAX applied changes per SECONDS, e.g. 3/3600")
    String velocity;
    @Option(names = "--oscillation-window", paramLabel = "SECONDS",
        description = "Skip a change that returns a key to its previous value within SECONDS")
    Long oscillation;

    @Override
    public Integer call() {
      var client = opts.client();
      if (cooldown == null && velocity == null && oscillation == null) {
        JsonNode p = client.get(policyPath(name));
        return printPolicy(spec, opts, p);
      }
      Map<String, Object> v = null;
      if (velocity != null) {
        String[] parts = velocity.split("/");
        try {
          if (parts.length != 2) {
            throw new NumberFormatException();
          }
          v = Map.of("maxChanges", Integer.parseInt(parts[0].trim()), "windowSeconds", Long.parseLong(parts[1].trim()));
        } catch (NumberFormatException e) {
          throw new CliException(2, "--velocity expects MAX/SECONDS such as 3/3600, got '" + velocity + "'");
        }
      }
      var b = new LinkedHashMap<String, Object>();
      b.put("cooldownSeconds", cooldown == null ? 0 : cooldown);
      b.put("velocity", v);
      b.put("oscillationWindowSeconds", oscillation == null ? 0 : oscillation);
      return printPolicy(spec, opts, client.send("PUT", policyPath(name) + "/guards", b));
    }
  }

  static int printPolicy(CommandSpec spec, ClientOptions opts, JsonNode p) {
    var out = spec.commandLine().getOut();
    if (opts.json) {
      out.println(p.toPrettyString());
      return 0;
    }
    JsonNode g = p.path("guards");
    JsonNode v = g.path("velocity");
    out.printf("%s version %d %s%s%n", p.path("name").asText(), p.path("version").asInt(),
        abbrev(p.path("stateHash").asText()),
        p.path("frozen").asBoolean() ? "  FROZEN" + (p.path("frozenReason").isTextual()
            ? ": " + p.path("frozenReason").asText() : "") : "");
    out.printf("  guards: cooldown %s, velocity %s, oscillation window %s%n",
        off(g.path("cooldownSeconds").asLong()),
        v.isObject() ? v.path("maxChanges").asInt() + " per " + v.path("windowSeconds").asLong() + "s" : "off",
        off(g.path("oscillationWindowSeconds").asLong()));
    return 0;
  }

  private static String off(long seconds) {
    return seconds == 0 ? "off" : seconds + "s";
  }
}
