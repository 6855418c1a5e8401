package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.rollgate.error.InvalidInputException;
import io.rollgate.error.NotFoundException;
import io.rollgate.evidence.Eligibility;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.gate.ApplyStats;
import io.rollgate.gate.Finding;
import io.rollgate.gate.Gate;
import io.rollgate.gate.GateReport;
import io.rollgate.gate.Verdict;
import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.server.incident.IncidentService;
import io.rollgate.store.evidence.EvidenceStore;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Apply statistics ({@code GET /api/v1/policies/{name}/apply-stats}), failed proposals reported by a
 * proposer ({@code POST …/failed-proposals}) and the gate ({@code POST /api/v1/gate}). The gate is a
 * POST because a FAIL opens (or adds to) a {@code gate_failure} incident: it is not a safe read.
 */
final class GateRoutes {
  /** A soak session tag: short, printable, safe in logs and query strings. */
  static final Pattern SESSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
  private static final Pattern ROLLOUT_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}-[1-9][0-9]{0,9}");
  private static final Pattern SIGNATURE = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern RELATIVE = Pattern.compile("([1-9][0-9]{0,6})([smhd])");
  private static final Duration MAX_RELATIVE = Duration.ofDays(3650);

  private final PolicyStore policies;
  private final EvidenceStore evidence;
  private final RolloutStore rollouts;
  private final IncidentService incidents;
  private final InstantSource clock;
  private final long maxBody;

  GateRoutes(PolicyStore policies, EvidenceStore evidence, RolloutStore rollouts, IncidentService incidents,
      InstantSource clock, long maxBody) {
    this.policies = policies;
    this.evidence = evidence;
    this.rollouts = rollouts;
    this.incidents = incidents;
    this.clock = clock;
    this.maxBody = maxBody;
  }

  void register(Javalin app) {
    app.get("/api/v1/policies/{name}/apply-stats", ctx -> {
      PolicyName n = PolicyRoutes.name(ctx);
      Instant since = since(ctx.queryParam("since"));
      String raw = ctx.queryParam("session");
      String session = session(raw == null || raw.isEmpty() ? null : raw); // ?session= is no session
      ctx.json(statsJson(n.value(), since, session, policies.applyStats(n, since, session)));
    }, Access.VIEWER);
    app.post("/api/v1/policies/{name}/failed-proposals", this::failedProposal, Access.OPERATOR);
    app.post("/api/v1/gate", this::gate, Access.OPERATOR);
  }

  private void failedProposal(Context ctx) {
    PolicyName n = PolicyRoutes.name(ctx);
    Body b = Body.of(ctx, maxBody, "reason", "session", "signature");
    String reason = b.requireText("reason", PolicyRoutes.MAX_REASON);
    if (reason.isBlank()) {
      throw new InvalidInputException("reason", "'reason' must say why the proposal failed, got a blank string");
    }
    String session = session(b.optionalText("session", 200));
    String signature = b.optionalText("signature", 200);
    if (signature != null && !SIGNATURE.matcher(signature).matches()) {
      throw new InvalidInputException("signature", "'signature' must be a SHA-256 in lower-case hex (64 characters), "
          + "got '" + Body.shorten(signature) + "'");
    }
    var r = policies.recordFailedProposal(n, reason, session, signature, Auth.principal(ctx).name());
    ctx.status(201).json(r);
  }

  private void gate(Context ctx) {
    Body b = Body.of(ctx, maxBody, "scenario", "policy", "rollout", "since", "session", "strict");
    // every field is checked before anything is read or signalled: bad input changes nothing
    String scenarioRaw = b.optionalText("scenario", 200);
    ScenarioId scenario = scenarioRaw == null ? null : scenarioId(scenarioRaw);
    String policyRaw = b.optionalText("policy", 200);
    PolicyName policy = policyRaw == null ? null : policyName(policyRaw);
    String rollout = b.optionalText("rollout", 200);
    if (rollout != null && !ROLLOUT_ID.matcher(rollout).matches()) {
      throw new InvalidInputException("rollout", "'rollout' must be a rollout id: a policy name, '-' and a number, "
          + "such as limits-3; got '" + Body.shorten(rollout) + "'");
    }
    Instant since = since(b.optionalText("since", 200));
    String session = session(b.optionalText("session", 200));
    JsonNode strictNode = b.get("strict");
    if (strictNode != null && !strictNode.isNull() && !strictNode.isBoolean()) {
      throw new InvalidInputException("strict", "'strict' must be a boolean, got " + Body.kind(strictNode));
    }
    boolean strict = strictNode != null && strictNode.asBoolean(false);
    if (scenario == null && policy == null && rollout == null) {
      throw new InvalidInputException("policy", "a gate needs at least one of 'scenario', 'policy' or 'rollout'");
    }
    if ((since != null || session != null) && policy == null) {
      throw new InvalidInputException(since != null ? "since" : "session",
          "'since' and 'session' choose the proposals of a policy's apply statistics; give 'policy' too");
    }

    var out = Json.object();
    List<Finding> findings = new ArrayList<>();
    if (scenario != null) {
      List<Eligibility> required = policy == null ? List.of(evidence.eligibility(scenario))
          : evidence.requiredEligibility(policy, scenario);
      findings.addAll(Gate.scenarios(required));
      out.set("scenarios", Json.mapper().valueToTree(required));
    }
    if (policy != null) {
      ApplyStats stats = policies.applyStats(policy, since, session);
      findings.addAll(Gate.applyStats(policy.value(), window(since, session), stats, strict));
      out.set("applyStats", statsJson(policy.value(), since, session, stats));
    }
    if (rollout != null) {
      RolloutView r = rollouts.get(rollout)
          .orElseThrow(() -> new NotFoundException("rollout '" + Body.shorten(rollout) + "' does not exist"));
      findings.add(Gate.rollout(r.id(), r.state().phase(), null, strict));
      out.set("rollout", Json.object().put("id", r.id()).put("policy", r.policy())
          .put("phase", r.state().phase().name()));
    }
    GateReport report = GateReport.of(strict, findings);
    ObjectNode result = Json.object();
    result.put("verdict", report.verdict().name()).put("strict", strict).put("exitCode", report.verdict().exitCode());
    result.set("reasons", Json.mapper().valueToTree(report.reasons()));
    result.set("findings", Json.mapper().valueToTree(report.findings()));
    result.setAll(out);
    result.putNull("incident");
    if (report.verdict() == Verdict.FAIL) {
      result.set("incident", signal(report, scenario, policy, rollout, result));
    }
    ctx.json(result);
  }

  /**
   * A FAIL becomes a {@code gate_failure} signal whose source names the gate's subjects, e.g.
   * {@code scenario:checkout policy:limits}: the same gate failing again joins the open incident.
   */
  private ObjectNode signal(GateReport report, ScenarioId scenario, PolicyName policy, String rollout,
      ObjectNode result) {
    List<String> subjects = new ArrayList<>();
    if (scenario != null) {
      subjects.add(scenario.subject());
    }
    if (policy != null) {
      subjects.add("policy:" + policy.value());
    }
    if (rollout != null) {
      subjects.add("rollout:" + rollout);
    }
    String source = String.join(" ", subjects);
    ObjectNode details = Json.object().put("strict", report.strict());
    details.set("reasons", result.get("reasons"));
    if (result.has("applyStats")) {
      details.set("applyStats", result.get("applyStats"));
    }
    String title = "gate failed for " + source + ": " + report.reasons().get(0).message()
        + (report.reasons().size() > 1 ? " (+" + (report.reasons().size() - 1) + " more)" : "");
    var s = incidents.signal(new Signal(Kind.GATE_FAILURE, Severity.SEV3, source, title, details));
    return Json.object().put("id", s.incident().id()).put("outcome", s.outcome().wire());
  }

  static ObjectNode statsJson(String policy, Instant since, String session, ApplyStats s) {
    ObjectNode o = Json.object().put("policy", policy);
    o.put("since", since == null ? null : since.toString());
    o.put("session", session);
    o.setAll((ObjectNode) Json.mapper().valueToTree(s));
    return o;
  }

  private static String window(Instant since, String session) {
    if (since == null && session == null) {
      return "over all recorded proposals";
    }
    return (session == null ? "" : "in session '" + session + "'") + (since != null && session != null ? " " : "")
        + (since == null ? "" : "since " + since);
  }

  /** An ISO-8601 instant ({@code 2025-06-01T00:00:00Z}) or a time back from now ({@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}). */
  private Instant since(String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    Matcher m = RELATIVE.matcher(raw);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
      if (d.compareTo(MAX_RELATIVE) > 0) {
        throw new InvalidInputException("since", "'since' reaches back at most 3650d, got '" + raw + "'");
      }
      return clock.instant().minus(d);
    }
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException("since", "'since' must be an ISO-8601 instant such as 2025-06-01T00:00:00Z or "
          + "a time back from now such as 90s, 30m, 24h, 7d; got '" + Body.shorten(raw) + "'");
    }
  }

  /** A session tag from a body: null or absent is none, anything else must be a valid tag ("" is not). */
  static String session(String raw) {
    if (raw == null) {
      return null;
    }
    if (!SESSION.matcher(raw).matches()) {
      throw new InvalidInputException("session", "'session' must match [A-Za-z0-9][A-Za-z0-9._:-]{0,63}, got '"
          + Body.shorten(raw) + "'");
    }
    return raw;
  }

  private static ScenarioId scenarioId(String raw) {
    try {
      return ScenarioId.of(raw);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("scenario", e.getMessage());
    }
  }

  private static PolicyName policyName(String raw) {
    try {
      return PolicyName.of(raw);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("policy", e.getMessage());
    }
  }
}
