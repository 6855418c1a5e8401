package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.PolicyView;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * What the SDK (client/) reads and reports: {@code GET /api/v1/sdk/snapshot} (policies with their
 * active rollouts, and the journal position they are current at) and {@code POST /api/v1/sdk/report}
 * (the state hashes a client serves, for fleet convergence).
 */
final class SdkRoutes {
  static final String SNAPSHOT = "/api/v1/sdk/snapshot";
  static final String REPORT = "/api/v1/sdk/report";
  /** Policies one snapshot request may name. */
  static final int MAX_POLICIES = 100;
  /** Policies one report may carry. */
  static final int MAX_REPORTED = 1_000;
  static final int MAX_CLIENT_ID = 200;
  private static final Pattern STATE_HASH = Pattern.compile("[0-9a-f]{64}");

  private final Database db;
  private final JournalReader reader;
  private final PolicyStore policies;
  private final RolloutStore rollouts;
  private final Fleet fleet;
  private final long maxBody;
  /** Runs between reading the journal head and the policies; tests commit a change there. */
  Runnable afterHead = () -> { };

  SdkRoutes(Database db, JournalReader reader, PolicyStore policies, RolloutStore rollouts, Fleet fleet,
      long maxBody) {
    this.db = db;
    this.reader = reader;
    this.policies = policies;
    this.rollouts = rollouts;
    this.fleet = fleet;
    this.maxBody = maxBody;
  }

  void register(Javalin app) {
    app.get(SNAPSHOT, this::snapshot, Access.VIEWER);
    app.post(REPORT, this::report, Access.OPERATOR);
  }

  /** A snapshot and its ETag. */
  record Snapshot(ObjectNode body, String etag) {}

  private void snapshot(Context ctx) {
    Snapshot s = read(requested(ctx.queryParams("policy")));
    ctx.header("ETag", s.etag());
    ctx.header("Cache-Control", "no-cache");
    if (matches(ctx.header("If-None-Match"), s.etag())) {
      ctx.status(304);
      return;
    }
    ctx.json(s.body());
  }

  /** The names asked for, checked and sorted; empty for every policy. */
  static List<PolicyName> requested(List<String> params) {
    var names = new TreeSet<String>();
    for (String p : params) {
      try {
        names.add(PolicyName.of(p).value());
      } catch (InvalidInputException e) {
        throw new InvalidInputException("policy", "'policy' " + e.getMessage());
      }
    }
    if (names.size() > MAX_POLICIES) {
      throw new InvalidInputException("policy", "'policy' names " + names.size() + " policies; at most "
          + MAX_POLICIES + " per request (leave it out for every policy)");
    }
    return names.stream().map(PolicyName::of).toList();
  }

  /**
   * Reads the head, the policies and their active rollouts in one repeatable-read transaction: the
   * stores' reads nested in it run on the same handle (Jdbi hands nested calls on a thread the
   * outer handle), so they all see one snapshot of the database. {@code seq} is then exactly the
   * position the policies are current at, and an SDK that follows {@code /api/v1/events} after it
   * misses nothing and replays nothing the snapshot already has.
   */
  Snapshot read(List<PolicyName> names) {
    return db.reads().inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
      long seq = reader.head().seq();
      afterHead.run();
      var views = new ArrayList<PolicyView>();
      if (names.isEmpty()) {
        views.addAll(policies.list());
      } else {
        var missing = new ArrayList<String>();
        for (PolicyName n : names) {
          policies.get(n).ifPresentOrElse(views::add, () -> missing.add("'" + n + "'"));
        }
        if (!missing.isEmpty()) {
          throw new ApiException(404, "not-found", "Not found", (missing.size() == 1 ? "policy " + missing.get(0)
              + " does not exist" : "policies " + String.join(", ", missing) + " do not exist"), "policy");
        }
      }
      Map<String, RolloutView> active = new LinkedHashMap<>();
      for (RolloutView r : rollouts.active()) {
        active.put(r.policy(), r);
      }
      var sorted = new TreeMap<String, ObjectNode>();
      for (PolicyView v : views) {
        sorted.put(v.name(), entry(v, active.get(v.name())));
      }
      ObjectNode body = Json.object();
      body.put("seq", seq);
      ObjectNode ps = body.putObject("policies");
      sorted.forEach(ps::set);
      return new Snapshot(body, etag(ps));
    });
  }

  private static ObjectNode entry(PolicyView v, RolloutView r) {
    ObjectNode o = Json.object();
    o.put("version", v.version());
    o.put("stateHash", v.stateHash());
    o.set("document", v.document());
    if (r == null) {
      o.putNull("rollout");
    } else {
      ObjectNode ro = o.putObject("rollout");
      ro.put("id", r.id()).put("salt", r.salt()).put("basisPoints", r.state().candidateBasisPoints())
          .put("phase", r.state().phase().name()).put("baselineVersion", r.baselineVersion());
      ro.set("candidate", r.candidate());
      ro.put("candidateHash", r.candidateHash());
    }
    return o;
  }

  /**
   * A strong tag of what the SDK evaluates with: the {@code policies} object. {@code seq} is left
   * out on purpose: it moves with every journal entry (tokens, other policies, freezes), and a
   * poller whose policies did not change should get a 304 and keep resuming from the seq it has,
   * which stays a safe resume point.
   */
  private static String etag(JsonNode policies) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Json.write(policies).getBytes(StandardCharsets.UTF_8));
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** RFC 9110 If-None-Match: a list of tags (weak comparison) or {@code *}. */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
      return false;
    }
    for (String t : ifNoneMatch.split(",")) {
      String tag = t.strip();
      if (tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag)) {
        return true;
      }
    }
    return false;
  }

  private void report(Context ctx) {
    Body b = Body.of(ctx, maxBody, "client", "policies");
    String client = b.requireText("client", MAX_CLIENT_ID);
    if (client.isBlank()) {
      throw new InvalidInputException("client", "'client' must not be blank: it identifies the reporting instance");
    }
    ObjectNode served = b.requireObject("policies");
    if (served.size() > MAX_REPORTED) {
      throw new InvalidInputException("policies", "'policies' has " + served.size() + " entries; at most "
          + MAX_REPORTED + " per report");
    }
    var hashes = new TreeMap<String, String>();
    for (Map.Entry<String, JsonNode> e : served.properties()) {
      String field = "/policies/" + Body.shorten(e.getKey()); // a JSON pointer, as for other free-form objects
      try {
        PolicyName.of(e.getKey());
      } catch (InvalidInputException bad) {
        throw new InvalidInputException(field, "'" + field + "': " + bad.getMessage());
      }
      JsonNode h = e.getValue();
      if (!h.isTextual() || !STATE_HASH.matcher(h.textValue()).matches()) {
        throw new InvalidInputException(field, "'" + field + "' must be the state hash served (64 lower-case hex "
            + "digits), got " + (h.isTextual() ? "'" + Body.shorten(h.textValue()) + "'" : Body.kind(h)));
      }
      hashes.put(e.getKey(), h.textValue());
    }
    fleet.report(client, hashes);
    ctx.json(Map.of("recorded", hashes.size()));
  }
}
