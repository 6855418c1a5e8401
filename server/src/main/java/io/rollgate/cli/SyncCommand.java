package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code rollgate sync}: keeps a local file equal to a policy's current document, for applications
 * that read a configuration file. Each write is atomic and verified (see {@link AtomicFile}); the
 * file holds the document's RFC 8785 canonical form, so {@code sha256sum FILE} prints the policy's
 * state hash. With {@code --watch} it follows the policy's events and rewrites on each change,
 * resuming after a dropped connection from the last event seen, and syncing again on every
 * (re)connect so that nothing committed while it was away is missed.
 */
@Command(name = "sync", mixinStandardHelpOptions = true,
    description = {"Write a policy's current document to a file, atomically and verified; with --watch, keep it equal.",
        "The file holds the canonical JSON (RFC 8785), so 'sha256sum FILE' prints the policy's stateHash.",
        "Exit 0 in sync, 1 when the file could not be written or verified (it is then left as it was), "
            + "2 usage or connection error."})
final class SyncCommand implements Callable<Integer> {
  @Mixin ClientOptions opts;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--policy", required = true, paramLabel = "NAME", description = "The policy to write")
  String policy;

  @Option(names = "--file", required = true, paramLabel = "FILE",
      description = "Where to write it; its directory must exist (the temporary file goes there too)")
  Path file;

  @Option(names = "--watch", description = "Keep following the policy and rewrite the file on each change")
  boolean watch;

  @Option(names = "--count", paramLabel = "N",
      description = "With --watch, exit 0 after N rewrites for changes (default: follow until stopped)")
  Integer count;

  /** Where the file stands: the hash it holds, as last written or read. */
  private String fileHash;
  private int rewrites;

  @Override
  public Integer call() throws InterruptedException {
    PolicyName name = name();
    if (count != null && (!watch || count < 1)) {
      throw new CliException(2, !watch ? "--count needs --watch" : "--count must be at least 1, got " + count);
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new CliException(2, "the directory of --file " + file + " does not exist");
    }
    if (Files.isDirectory(file)) {
      throw new CliException(2, "--file " + file + " is a directory; name the file to write");
    }
    var client = opts.client();
    try {
      fileHash = AtomicFile.hash(file).orElse(null);
    } catch (IOException e) {
      throw new CliException(1, "cannot read " + file + ": " + e.getMessage());
    }
    if (!watch) {
      sync(client, name);
      return 0;
    }
    return follow(client, name);
  }

  private int follow(ApiClient client, PolicyName name) throws InterruptedException {
    var err = spec.commandLine().getErr();
    String path = "/api/v1/events?types=" + URLEncoder.encode("policy.*", StandardCharsets.UTF_8)
        + "&subject=" + name;
    var state = new Object() {
      String lastId;
      boolean connectedOnce;
      boolean sawThisTime;
      boolean done;
    };
    Duration backoff = Duration.ofSeconds(1);
    while (true) {
      state.sawThisTime = false;
      try {
        client.stream(path, state.lastId, frame -> {
          if (!state.sawThisTime) {
            // the first frame means the server has subscribed us: sync now, and every change after
            // this point arrives as an event, so nothing falls between the read and the stream
            state.sawThisTime = true;
            sync(client, name);
            if (!state.connectedOnce) {
              state.connectedOnce = true;
              progress("watching " + name + " for changes", null);
            }
          }
          if (frame.id() != null) {
            state.lastId = frame.id();
          }
          if (frame.event() == null) {
            return true;
          }
          if (frame.event().equals("server.shutdown") || frame.event().equals("stream.overflow")) {
            err.println("rollgate: " + frame.event() + "; resuming after " + state.lastId);
            err.flush();
            return false;
          }
          if (frame.event().startsWith("policy.") && sync(client, name)) {
            rewrites++;
            if (count != null && rewrites >= count) {
              state.done = true;
              return false;
            }
          }
          return true;
        });
      } catch (CliException e) {
        boolean refused = e.httpStatus >= 400 && e.httpStatus < 500 && e.httpStatus != 429;
        if (!state.connectedOnce || refused || e.exitCode == 1) {
          throw e; // never connected, refused, or the file could not be kept equal: not an outage to wait out
        }
        err.println("rollgate: " + e.getMessage() + "; retrying in " + backoff.toSeconds() + " s");
        err.flush();
      }
      if (state.done) {
        return 0;
      }
      if (state.sawThisTime) {
        backoff = Duration.ofSeconds(1);
      }
      Thread.sleep(backoff); // reconnect pacing, as in 'rollgate events'
      backoff = backoff.multipliedBy(2).compareTo(EventsCommand.MAX_BACKOFF) > 0
          ? EventsCommand.MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  /**
   * Makes the file equal to the policy's current document; true when it had to be written. The
   * server's answer is checked first: a document that does not hash to its stateHash is refused.
   */
  private boolean sync(ApiClient client, PolicyName name) {
    JsonNode p = client.get("/api/v1/policies/" + name);
    JsonNode document = p.path("document");
    String stateHash = p.path("stateHash").asText();
    int version = p.path("version").asInt();
    String canonical = Canonical.canonicalize(document);
    if (!document.isObject() || !Canonical.sha256Hex(canonical).equals(stateHash)) {
      throw new CliException(1, "the server's document for " + name + " v" + version + " hashes to "
          + Canonical.sha256Hex(canonical) + ", not to its stateHash " + stateHash + "; " + file + " left as it was");
    }
    if (stateHash.equals(fileHash)) {
      progress("unchanged: " + file + " already holds " + name + " v" + version + " (" + abbrev(stateHash) + ")",
          result(name, version, stateHash, false, 0));
      return false;
    }
    try {
      AtomicFile.write(file, canonical, stateHash);
    } catch (AtomicFile.VerificationFailed e) {
      throw new CliException(1, "verification failed: " + e.getMessage());
    } catch (IOException e) {
      throw new CliException(1, "cannot write " + file + ": " + e + "; it was left as it was");
    }
    fileHash = stateHash;
    int bytes = canonical.getBytes(StandardCharsets.UTF_8).length;
    progress("wrote " + name + " v" + version + " (" + abbrev(stateHash) + ") to " + file + ", " + bytes
        + " bytes, verified", result(name, version, stateHash, true, bytes));
    return true;
  }

  private Map<String, Object> result(PolicyName name, int version, String stateHash, boolean written, int bytes) {
    var m = new LinkedHashMap<String, Object>();
    m.put("policy", name.value());
    m.put("version", version);
    m.put("stateHash", stateHash);
    m.put("file", file.toString());
    m.put("written", written);
    m.put("bytes", bytes);
    return m;
  }

  /** One line per step: text, or with --json one JSON object per line (NDJSON); a null object prints nothing then. */
  private void progress(String line, Map<String, Object> json) {
    PrintWriter out = spec.commandLine().getOut();
    if (!opts.json) {
      out.println(line);
    } else if (json != null) {
      out.println(Json.write(json));
    }
    out.flush();
  }

  private PolicyName name() {
    try {
      return PolicyName.of(policy);
    } catch (io.rollgate.error.InvalidInputException e) {
      throw new CliException(2, "--policy: " + e.getMessage());
    }
  }

  private static String abbrev(String hash) {
    return PolicyCommand.abbrev(hash);
  }
}
