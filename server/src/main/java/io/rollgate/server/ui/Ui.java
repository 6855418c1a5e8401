package io.rollgate.server.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.rollgate.audit.JournalEntry;
import io.rollgate.error.ConflictException;
import io.rollgate.error.ForbiddenException;
import io.rollgate.error.IntegrityException;
import io.rollgate.error.InvalidInputException;
import io.rollgate.error.NotFoundException;
import io.rollgate.error.RollgateException;
import io.rollgate.error.SaturatedException;
import io.rollgate.incident.Severity;
import io.rollgate.incident.State;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.policy.PolicyVersion;
import io.rollgate.server.attest.Attestor;
import io.rollgate.server.events.EventHub;
import io.rollgate.server.events.EventStreamHandler;
import io.rollgate.server.notify.IncidentSink;
import io.rollgate.incident.playbook.ActionType;
import io.rollgate.server.http.SignInLimit;
import io.rollgate.server.playbook.PlaybookService;
import io.rollgate.store.incident.IncidentFilter;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.incident.IncidentView;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalException;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.PolicyView;
import io.rollgate.store.rollout.Action;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import io.rollgate.store.token.Role;
import io.rollgate.store.token.TokenStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * The web dashboard under {@code /ui}: server-rendered jte pages, htmx for live updates over the
 * journal's event stream, forms that call the same store methods as the API (so guards, four-eyes and
 * journal rules are the same). Sessions are signed cookies ({@link Sessions}); every form carries the
 * session's CSRF token. See docs/ui.md.
 */
public final class Ui {
  static final String CSRF_FIELD = "_csrf";
  static final String CSRF_HEADER = "X-CSRF-Token";
  /** The event ui.js triggers on {@code #live} to apply an update it deferred while someone was typing. */
  static final String LIVE_REFRESH = "rollgate-refresh";
  static final java.time.Duration APPLY_STATS_WINDOW = java.time.Duration.ofHours(24);
  static final int APPLY_STATS_SESSIONS = 5;
  static final int MAX_REASON = 1_000;
  static final int AUDIT_PAGE = 50;
  static final int PLAYBOOK_HISTORY = 50;
  /** How far an audit filter scans for matches per request, so a rare type cannot make one request read the whole journal. */
  static final int AUDIT_SCAN = 5_000;
  private static final Pattern ROLLOUT_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}-[1-9][0-9]{0,9}");
  private static final Pattern INCIDENT_ID = Pattern.compile("[1-9][0-9]{0,17}");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);
  private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  /**
   * What the dashboard reads and calls; {@code fleet} is the API's fleet view of a policy (name, current
   * hash); {@code signIns} is the API's failed-authentication limit, which wrong tokens on the sign-in
   * form count towards.
   */
  public record Deps(TokenStore tokens, Journal journal, PolicyStore policies, RolloutStore rollouts,
      IncidentStore incidents, JournalReader reader, Attestor attestor, EventHub events, InstantSource clock,
      IncidentSink incidentSink, BiFunction<String, String, JsonNode> fleet, PlaybookService playbooks,
      SignInLimit signIns) {
    public Deps {
      Objects.requireNonNull(tokens, "tokens");
      Objects.requireNonNull(journal, "journal");
      Objects.requireNonNull(policies, "policies");
      Objects.requireNonNull(rollouts, "rollouts");
      Objects.requireNonNull(incidents, "incidents");
      Objects.requireNonNull(reader, "reader");
      Objects.requireNonNull(attestor, "attestor");
      Objects.requireNonNull(events, "events");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(incidentSink, "incidentSink");
      Objects.requireNonNull(fleet, "fleet");
      Objects.requireNonNull(playbooks, "playbooks");
      Objects.requireNonNull(signIns, "signIns");
    }
  }

  private final Deps deps;
  private final Sessions sessions;
  private final Assets assets;
  private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
  private final EventStreamHandler stream;

  private Ui(Deps deps) {
    this.deps = deps;
    this.sessions = Sessions.open(deps.tokens(), deps.journal(), deps.clock());
    this.assets = Assets.load();
    this.stream = new EventStreamHandler(deps.events());
  }

  /** Mounts every {@code /ui} route on {@code app}. */
  public static void register(Javalin app, Deps deps) {
    new Ui(deps).routes(app);
  }

  private void routes(Javalin app) {
    app.get("/ui/assets/{name}", assets::serve);
    app.get("/ui/login", this::loginPage);
    app.post("/ui/login", this::login);
    app.post("/ui/logout", post(Role.VIEWER, (ctx, s) -> {
      clearCookie(ctx);
      ctx.redirect("/ui/login", io.javalin.http.HttpStatus.SEE_OTHER);
    }));
    app.get("/ui", page(this::overview));
    app.get("/ui/events", ctx -> {
      if (session(ctx).isEmpty()) {
        ctx.status(401).contentType("text/plain; charset=utf-8").result("sign in at /ui/login");
        return;
      }
      stream.handle(ctx);
    });
    app.get("/ui/rollouts", page(this::rollouts));
    app.get("/ui/rollouts/{id}", page((ctx, s) -> rollout(ctx, s, null, 200)));
    app.post("/ui/rollouts/{id}/act", post(Role.OPERATOR, this::rolloutAct));
    app.get("/ui/incidents", page(this::incidentList));
    app.get("/ui/incidents/{id}", page((ctx, s) -> incident(ctx, s, null, 200)));
    app.post("/ui/incidents/{id}/act", post(Role.OPERATOR, this::incidentAct));
    app.post("/ui/incidents/{id}/actions/dry-run", post(Role.OPERATOR, this::playbookDryRun));
    app.post("/ui/incidents/{id}/actions/execute", post(Role.OPERATOR, this::playbookExecute));
    app.post("/ui/incidents/{id}/actions/{execution}/approve", post(Role.ADMIN,
        (ctx, s) -> executionAct(ctx, s, "approve")));
    app.post("/ui/incidents/{id}/actions/{execution}/cancel", post(Role.OPERATOR,
        (ctx, s) -> executionAct(ctx, s, "cancel")));
    app.post("/ui/incidents/{id}/actions/{execution}/rollback", post(Role.OPERATOR,
        (ctx, s) -> executionAct(ctx, s, "rollback")));
    app.get("/ui/policies", page(this::policyList));
    app.get("/ui/policies/{name}", page((ctx, s) -> policy(ctx, s, null, 200)));
    app.post("/ui/policies/{name}/change", post(Role.OPERATOR, this::policyChange));
    app.post("/ui/policies/{name}/rollback", post(Role.OPERATOR, this::policyRollback));
    app.post("/ui/policies/{name}/freeze", post(Role.ADMIN, (ctx, s) -> policyFreeze(ctx, s, true)));
    app.post("/ui/policies/{name}/unfreeze", post(Role.ADMIN, (ctx, s) -> policyFreeze(ctx, s, false)));
    app.get("/ui/audit", page(this::audit));
  }

  // ---- sessions, CSRF, roles -------------------------------------------------------------------------

  @FunctionalInterface
  private interface PageHandler {
    void handle(Context ctx, Sessions.Session s) throws Exception;
  }

  private Optional<Sessions.Session> session(Context ctx) {
    return sessions.verify(ctx.cookie(Sessions.COOKIE));
  }

  /** A page: signed in, or sent to the login page (htmx requests are told to go there with HX-Redirect). */
  private Handler page(PageHandler h) {
    return ctx -> {
      headers(ctx);
      Optional<Sessions.Session> s = session(ctx);
      if (s.isEmpty()) {
        toLogin(ctx);
        return;
      }
      h.handle(ctx, s.get());
    };
  }

  /** A form post: signed in, then the CSRF token, then the role; each refusal changes nothing. */
  private Handler post(Role required, PageHandler h) {
    return ctx -> {
      headers(ctx);
      Optional<Sessions.Session> s = session(ctx);
      if (s.isEmpty()) {
        toLogin(ctx);
        return;
      }
      String presented = ctx.formParam(CSRF_FIELD);
      if (presented == null) {
        presented = ctx.header(CSRF_HEADER);
      }
      if (!sessions.csrfValid(s.get(), presented)) {
        error(ctx, s.get(), 403, "Forbidden", "this form was sent without this session's CSRF token; reload the "
            + "page and try again");
        return;
      }
      if (!s.get().principal().role().includes(required)) {
        error(ctx, s.get(), 403, "Forbidden", "token '" + s.get().principal().name() + "' has role "
            + s.get().principal().role().wire() + "; this needs " + required.wire());
        return;
      }
      h.handle(ctx, s.get());
    };
  }

  private void toLogin(Context ctx) {
    if (ctx.cookie(Sessions.COOKIE) != null) {
      clearCookie(ctx); // forged, expired or revoked: forget it
    }
    if ("true".equals(ctx.header("HX-Request"))) {
      ctx.header("HX-Redirect", "/ui/login");
      ctx.status(401);
      return;
    }
    ctx.redirect("/ui/login", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private static void headers(Context ctx) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "same-origin");
    ctx.header("Cache-Control", "no-store");
  }

  private void loginPage(Context ctx) {
    headers(ctx);
    if (session(ctx).isPresent()) {
      ctx.redirect("/ui", io.javalin.http.HttpStatus.SEE_OTHER);
      return;
    }
    loginForm(ctx, 200, "");
  }

  /**
   * The sign-in form with the login CSRF token of the nonce in the login cookie; a new nonce (and
   * cookie) when the browser has none, or a malformed one.
   */
  private void loginForm(Context ctx, int status, String error) {
    String nonce = ctx.cookie(Sessions.LOGIN_COOKIE);
    String token = sessions.loginToken(nonce);
    if (token == null) {
      nonce = Sessions.loginNonce();
      token = sessions.loginToken(nonce);
      ctx.res().addHeader("Set-Cookie", Sessions.LOGIN_COOKIE + "=" + nonce + "; Path=/ui/login; Max-Age="
          + Sessions.LOGIN_TTL.toSeconds() + "; HttpOnly; SameSite=Strict" + secure(ctx));
    }
    render(ctx, status, "login.jte", Map.of("error", error, "csrf", token));
  }

  /**
   * Signing in: the login CSRF token first (nothing else is looked at without it), then the API's
   * failed-authentication limit for the client's address (429 while it is over, the token not even
   * hashed), then the token; a wrong one counts towards that limit like a wrong bearer token.
   */
  private void login(Context ctx) {
    headers(ctx);
    if (!sessions.loginTokenValid(ctx.cookie(Sessions.LOGIN_COOKIE), ctx.formParam(CSRF_FIELD))) {
      loginForm(ctx, 403, "this sign-in form has expired or was not sent from this server's sign-in page; "
          + "sign in again here");
      return;
    }
    String address = ctx.req().getRemoteAddr();
    var wait = deps.signIns().refusedFor(address);
    if (wait.isPresent()) {
      ctx.header("Retry-After", Long.toString(wait.getAsLong()));
      loginForm(ctx, 429, "too many failed sign-ins or API authentications from this address; try again in "
          + wait.getAsLong() + " s");
      return;
    }
    String token = ctx.formParam("token");
    Optional<Sessions.Session> s = sessions.login(token);
    if (s.isEmpty()) {
      if (token != null && !token.isBlank()) { // an empty form guesses nothing: not counted, as in the API
        deps.signIns().failed(address);
      }
      loginForm(ctx, 401, "unknown or revoked token");
      return;
    }
    ctx.res().addHeader("Set-Cookie", Sessions.COOKIE + "=" + sessions.cookie(s.get()) + "; Path=/ui; Max-Age="
        + Sessions.TTL.toSeconds() + "; HttpOnly; SameSite=Strict" + secure(ctx));
    ctx.res().addHeader("Set-Cookie", Sessions.LOGIN_COOKIE + "=; Path=/ui/login; Max-Age=0; HttpOnly; "
        + "SameSite=Strict");
    ctx.redirect("/ui", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private static String secure(Context ctx) {
    return "https".equalsIgnoreCase(ctx.scheme()) ? "; Secure" : "";
  }

  private static void clearCookie(Context ctx) {
    ctx.res().addHeader("Set-Cookie", Sessions.COOKIE + "=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict");
  }

  private Views.Page page(Context ctx, Sessions.Session s, String title, String nav, String liveTypes) {
    return page(ctx, s, title, nav, liveTypes, ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString()));
  }

  /** @param self what a live update re-fetches: the page's own URL, also when it answers a form post */
  private Views.Page page(Context ctx, Sessions.Session s, String title, String nav, String liveTypes, String self) {
    Role role = s.principal().role();
    String triggers = null;
    if (liveTypes != null) {
      // one trigger per journal type the page follows; the stream is filtered to the same prefixes
      var list = new ArrayList<String>();
      for (String prefix : liveTypes.split(",")) {
        String p = prefix.replace("*", "");
        io.rollgate.server.events.EventTypes.JOURNAL.stream().filter(t -> t.startsWith(p))
            .forEach(t -> list.add("sse:" + t));
      }
      list.add(LIVE_REFRESH); // ui.js sends it when a deferred update may now be applied
      triggers = String.join(", ", list);
    }
    return new Views.Page(title, nav, s.principal().name(), role.wire(), role.includes(Role.OPERATOR),
        role.includes(Role.ADMIN), sessions.csrfToken(s), liveTypes, triggers, self);
  }

  // ---- pages -----------------------------------------------------------------------------------------

  private void overview(Context ctx, Sessions.Session s) {
    List<Views.RolloutRow> active = deps.rollouts().active().stream().map(RolloutViews::row).toList();
    var bySeverity = new EnumMap<Severity, Long>(Severity.class);
    for (Severity sev : Severity.values()) {
      bySeverity.put(sev, 0L);
    }
    long open = 0;
    for (IncidentView v : deps.incidents().list(IncidentFilter.ALL, IncidentStore.MAX_LIST)) {
      if (v.state().isOpen()) {
        bySeverity.merge(v.severity(), 1L, Long::sum);
        open++;
      }
    }
    List<Views.SeverityCount> counts = bySeverity.entrySet().stream()
        .map(e -> new Views.SeverityCount(e.getKey().wire(), e.getValue())).toList();
    Attestor.Verdict verdict = deps.attestor().lastVerdict();
    var head = deps.reader().head();
    List<Views.EntryRow> recent = new ArrayList<>(deps.reader().page(Math.max(0, head.seq() - 8), 8).stream()
        .map(Ui::entry).toList());
    java.util.Collections.reverse(recent);
    var model = new Views.Overview(active, counts, open, attestor(verdict),
        !(verdict instanceof Attestor.Verdict.Failed), head.seq(), head.hash(), recent);
    render(ctx, 200, "overview.jte", Map.of("page", page(ctx, s, "Overview", "overview",
        "rollout.*,incident.*,attestation.*,policy.*"), "model", model));
  }

  private void rollouts(Context ctx, Sessions.Session s) {
    List<Views.RolloutRow> rows = deps.rollouts().list(null, false, 200).stream().map(RolloutViews::row).toList();
    render(ctx, 200, "rollouts.jte", Map.of("page", page(ctx, s, "Rollouts", "rollouts", "rollout.*"), "rows", rows));
  }

  private void rollout(Context ctx, Sessions.Session s, Views.Problem problem, int status) {
    String id = ctx.pathParam("id");
    if (!ROLLOUT_ID.matcher(id).matches()) {
      error(ctx, s, 400, "Invalid input", "'id' must be a rollout id such as 'limits-3', got '" + shorten(id) + "'");
      return;
    }
    Optional<RolloutView> found = deps.rollouts().get(id);
    if (found.isEmpty()) {
      error(ctx, s, 404, "Not found", "rollout '" + id + "' does not exist");
      return;
    }
    RolloutView v = found.get();
    var state = v.state();
    var stages = state.spec().stages();
    var measurements = deps.rollouts().measurements(v.id(), 100); // newest first
    var detail = new Views.RolloutDetail(v.id(), v.policy(), state.phase().name(), state.reason(),
        io.rollgate.rollout.RolloutJson.percentage(state.candidateBasisPoints()).toPlainString() + "%",
        state.spec().author(), RolloutViews.stages(state, state.phase() == io.rollgate.rollout.Phase.COMPLETED),
        RolloutViews.chart(measurements, stages), state.reason(),
        RolloutViews.lastAnalysis(state),
        deps.rollouts().transitions(v.id()).stream().map(RolloutViews::transition).toList().reversed(),
        RolloutViews.actions(v, s.principal()), RolloutViews.candidate(v), v.changeReason(),
        RolloutViews.checks(measurements, stages));
    var model = new LinkedHashMap<String, Object>();
    model.put("page", page(ctx, s, "Rollout " + v.id(), "rollouts", "rollout.*"));
    model.put("r", detail);
    model.put("problem", problem);
    render(ctx, status, "rollout.jte", model);
  }

  private void rolloutAct(Context ctx, Sessions.Session s) {
    String id = ctx.pathParam("id");
    String raw = ctx.formParam("action");
    Action action = switch (raw == null ? "" : raw) {
      case "advance" -> Action.ADVANCE;
      case "pause" -> Action.PAUSE;
      case "resume" -> Action.RESUME;
      case "rollback" -> Action.ROLL_BACK;
      case "abort" -> Action.ABORT;
      default -> null;
    };
    try {
      if (!ROLLOUT_ID.matcher(id).matches()) {
        throw new InvalidInputException("id", "'id' must be a rollout id such as 'limits-3', got '" + shorten(id) + "'");
      }
      if (action == null) {
        throw new InvalidInputException("action", "'action' must be advance, pause, resume, rollback or abort, got '"
            + shorten(raw) + "'");
      }
      // the API's rule: approving (advance) is for admins; the store adds four-eyes and the transition table
      if (action == Action.ADVANCE && !s.principal().role().includes(Role.ADMIN)) {
        throw new ForbiddenException("token '" + s.principal().name() + "' has role " + s.principal().role().wire()
            + "; approving a stage needs admin");
      }
      deps.rollouts().act(id, action, s.principal().name(), reason(ctx, true));
    } catch (RollgateException e) {
      if (e instanceof NotFoundException || !ROLLOUT_ID.matcher(id).matches()) {
        error(ctx, s, statusOf(e), titleOf(e), e.getMessage());
      } else {
        rollout(ctx, s, problem(e, "act"), statusOf(e));
      }
      return;
    }
    ctx.redirect("/ui/rollouts/" + id, io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void incidentList(Context ctx, Sessions.Session s) {
    String st = ctx.queryParam("state");
    String sev = ctx.queryParam("severity");
    Views.Problem problem = null;
    List<Views.IncidentRow> rows = List.of();
    try {
      var filter = new IncidentFilter(st == null || st.isEmpty() ? null : State.parse("state", st),
          sev == null || sev.isEmpty() ? null : Severity.parse("severity", sev), null);
      rows = deps.incidents().list(filter, 500).stream().map(v -> new Views.IncidentRow(v.id(), v.severity().wire(),
          v.state().wire(), v.kind().wire(), v.title(), v.source(), v.occurrences(), time(v.updatedAt()))).toList();
    } catch (InvalidInputException e) {
      problem = problem(e, "filter");
    }
    var model = new LinkedHashMap<String, Object>();
    model.put("page", page(ctx, s, "Incidents", "incidents", "incident.*"));
    model.put("rows", rows);
    model.put("state", st == null ? "" : st);
    model.put("severity", sev == null ? "" : sev);
    model.put("states", java.util.Arrays.stream(State.values()).map(State::wire).toList());
    model.put("severities", java.util.Arrays.stream(Severity.values()).map(Severity::wire).toList());
    model.put("problem", problem);
    render(ctx, problem == null ? 200 : 400, "incidents.jte", model);
  }

  private void incident(Context ctx, Sessions.Session s, Views.Problem problem, int status) {
    incident(ctx, s, problem, status, null);
  }

  /** @param preview a dry run's plan to show before its Execute button, or null */
  private void incident(Context ctx, Sessions.Session s, Views.Problem problem, int status, Views.Preview preview) {
    Long id = incidentId(ctx, s);
    if (id == null) {
      return;
    }
    Optional<IncidentView> found = deps.incidents().get(id);
    if (found.isEmpty()) {
      error(ctx, s, 404, "Not found", "incident " + id + " does not exist");
      return;
    }
    IncidentView v = found.get();
    List<Views.Link> links = deps.incidentSink().links(Long.toString(id)).stream()
        .map(l -> new Views.Link(l.sink(), l.type() + " " + (l.externalId() == null ? "" : l.externalId()), l.url(),
            l.state())).toList();
    List<Views.ActionButton> actions = new ArrayList<>();
    if (s.principal().role().includes(Role.OPERATOR)) {
      for (io.rollgate.incident.Action a : io.rollgate.incident.Action.values()) {
        if (v.state().canGoTo(a.target())) {
          actions.add(new Views.ActionButton(a.wire(), capitalize(a.wire()), false));
        }
      }
    }
    var detail = new Views.IncidentDetail(v.id(), v.title(), v.severity().wire(), v.state().wire(), v.kind().wire(),
        v.source(), v.occurrences(), time(v.createdAt()), links,
        deps.incidents().occurrences(id, IncidentStore.MAX_OCCURRENCES_SHOWN).stream()
            .map(o -> new Views.OccurrenceRow(o.n(), time(o.at()), o.severity().wire(), o.outcome(), o.title()))
            .toList(),
        deps.incidents().transitions(id).stream().map(t -> new Views.StateRow(time(t.at()),
            t.from() == null ? "" : t.from().wire(), t.to().wire(), t.actor(), t.reason())).toList().reversed(),
        actions);
    var model = new LinkedHashMap<String, Object>();
    // a form post answers with this page: its live updates re-fetch the page itself, not the post's URL
    model.put("page", page(ctx, s, "Incident " + id, "incidents", "incident.*,action.*", "/ui/incidents/" + id));
    model.put("i", detail);
    model.put("pb", playbooks(ctx, s, v, preview));
    model.put("problem", problem);
    render(ctx, status, "incident.jte", model);
  }

  /** The incident id in the path, or null after answering with a 400 page. */
  private Long incidentId(Context ctx, Sessions.Session s) {
    String raw = ctx.pathParam("id");
    if (!INCIDENT_ID.matcher(raw).matches()) {
      error(ctx, s, 400, "Invalid input", "an incident id is a positive whole number, got '" + shorten(raw) + "'");
      return null;
    }
    return Long.parseLong(raw);
  }

  private Views.Playbooks playbooks(Context ctx, Sessions.Session s, IncidentView v, Views.Preview preview) {
    String sent = ctx.formParam("action"); // the action whose form was just sent keeps the values typed into it
    List<Views.ActionForm> forms = deps.playbooks().fits(v, deps.policies(), deps.rollouts()).stream()
        .map(f -> PlaybookViews.form(f, f.action().wire().equals(sent) ? ctx::formParam : null)).toList();
    List<Views.ExecutionRow> history = PlaybookViews.rows(deps.playbooks().history(v.id(), PLAYBOOK_HISTORY),
        e -> deps.playbooks().store().transitions(e), s.principal());
    return new Views.Playbooks(s.principal().role().includes(Role.OPERATOR), forms, preview,
        history.stream().filter(Views.ExecutionRow::canApprove).toList(), history);
  }

  /**
   * Dry-runs an action: the incident page with the plan (changes, impact, approval, reversibility)
   * and an Execute button under it. Changes nothing; a refusal shows next to the action's fields.
   */
  private void playbookDryRun(Context ctx, Sessions.Session s) {
    playbookForm(ctx, s, (id, action, params) -> incident(ctx, s, null, 200, PlaybookViews.preview(
        deps.playbooks().dryRun(id, action, params, s.principal().name()))));
  }

  /** Executes an action (the preview's Execute form): 303 back to the page, or the preview again with the refusal. */
  private void playbookExecute(Context ctx, Sessions.Session s) {
    playbookForm(ctx, s, (id, action, params) -> {
      try {
        deps.playbooks().execute(id, action, params, reason(ctx, true), s.principal().name());
      } catch (RollgateException e) {
        if (e instanceof NotFoundException && deps.incidents().get(id).isEmpty()) {
          throw e;
        }
        Views.Preview preview = null;
        try {
          preview = PlaybookViews.preview(deps.playbooks().dryRun(id, action, params, s.principal().name()));
        } catch (RollgateException stale) {
          // the plan itself is refused now: the problem goes to the section, not to a preview that is gone
        }
        Views.Problem p = problem(e, "execute");
        incident(ctx, s, preview == null ? new Views.Problem(p.status(), p.title(), p.detail(), null, "playbooks") : p,
            statusOf(e), preview);
        return;
      }
      ctx.redirect("/ui/incidents/" + id + "#h-pb-history", io.javalin.http.HttpStatus.SEE_OTHER);
    });
  }

  private interface PlaybookStep {
    void run(long incidentId, ActionType action, ObjectNode params);
  }

  /**
   * A playbook form: the action and its parameters (typed and checked by the action's schema, so a
   * malformed one is a 400 next to its field whatever the incident), then the step.
   */
  private void playbookForm(Context ctx, Sessions.Session s, PlaybookStep step) {
    Long id = incidentId(ctx, s);
    if (id == null) {
      return;
    }
    ActionType action;
    try {
      action = ActionType.parse("action", ctx.formParam("action") == null ? "" : ctx.formParam("action"));
    } catch (InvalidInputException e) {
      incident(ctx, s, new Views.Problem(400, "Invalid input", e.getMessage(), null, "playbooks"), 400);
      return;
    }
    try {
      step.run(id, action, PlaybookViews.params(action, ctx::formParam));
    } catch (RollgateException e) {
      if (e instanceof NotFoundException && deps.incidents().get(id).isEmpty()) {
        error(ctx, s, 404, "Not found", e.getMessage());
        return;
      }
      Views.Problem p = problem(e, "pb-" + action.wire());
      String f = p.field(); // next to its input when it names one of the action's parameters, else under the form
      boolean ownField = f != null && f.startsWith(PlaybookViews.PARAM)
          && action.schema().json().path("properties").has(f.substring(PlaybookViews.PARAM.length()));
      incident(ctx, s, ownField ? p : new Views.Problem(p.status(), p.title(), p.detail(), null, p.form()),
          statusOf(e));
    }
  }

  /** Approve (admin, not the requester), cancel or undo an execution, with a reason; 303 back to the page. */
  private void executionAct(Context ctx, Sessions.Session s, String verb) {
    Long id = incidentId(ctx, s);
    if (id == null) {
      return;
    }
    String raw = ctx.pathParam("execution");
    if (!INCIDENT_ID.matcher(raw).matches()) {
      error(ctx, s, 400, "Invalid input", "an execution id is a positive whole number, got '" + shorten(raw) + "'");
      return;
    }
    long execution = Long.parseLong(raw);
    String me = s.principal().name();
    try {
      String reason = reason(ctx, true);
      switch (verb) {
        case "approve" -> deps.playbooks().approve(id, execution, me, reason);
        case "cancel" -> deps.playbooks().cancel(id, execution, me, reason);
        default -> deps.playbooks().rollback(id, execution, reason, me);
      }
    } catch (RollgateException e) {
      if (e instanceof NotFoundException) {
        error(ctx, s, 404, "Not found", e.getMessage());
      } else {
        incident(ctx, s, problem(e, "ex-" + execution), statusOf(e));
      }
      return;
    }
    ctx.redirect("/ui/incidents/" + id + "#h-pb-history", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void incidentAct(Context ctx, Sessions.Session s) {
    Long id = incidentId(ctx, s);
    if (id == null) {
      return;
    }
    String a = ctx.formParam("action");
    try {
      var action = java.util.Arrays.stream(io.rollgate.incident.Action.values()).filter(x -> x.wire().equals(a))
          .findFirst().orElseThrow(() -> new InvalidInputException("action", "'action' must be one of acknowledge, "
              + "unacknowledge, mitigate, resolve, close; got '" + shorten(a) + "'"));
      deps.incidents().act(id, action, s.principal().name(), reason(ctx, true));
    } catch (RollgateException e) {
      if (e instanceof NotFoundException) {
        error(ctx, s, 404, "Not found", e.getMessage());
      } else {
        incident(ctx, s, problem(e, "act"), statusOf(e));
      }
      return;
    }
    ctx.redirect("/ui/incidents/" + id, io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void policyList(Context ctx, Sessions.Session s) {
    List<Views.PolicyRow> rows = deps.policies().list().stream().map(p -> new Views.PolicyRow(p.name(), p.version(),
        p.stateHash(), p.frozen(), time(p.updatedAt()))).toList();
    render(ctx, 200, "policies.jte", Map.of("page", page(ctx, s, "Policies", "policies", "policy.*"), "rows", rows));
  }

  private void policy(Context ctx, Sessions.Session s, Views.Problem problem, int status) {
    PolicyName name;
    try {
      name = PolicyName.of(ctx.pathParam("name"));
    } catch (InvalidInputException e) {
      error(ctx, s, 400, "Invalid input", e.getMessage());
      return;
    }
    Optional<PolicyView> found = deps.policies().get(name);
    if (found.isEmpty()) {
      error(ctx, s, 404, "Not found", "policy '" + name + "' does not exist");
      return;
    }
    PolicyView p = found.get();
    List<PolicyVersion> versions = deps.policies().versions(name, 50);
    List<Views.VersionRow> rows = versions.stream().map(v -> new Views.VersionRow(v.version(), v.stateHash(),
        v.kind().wire(), v.actor(), v.reason() == null ? "" : v.reason(), time(v.createdAt()),
        v.version() == p.version())).toList();
    Views.Diff diff = null;
    Views.Problem diffProblem = null;
    try {
      int to = intParam(ctx, "to", p.version(), p.version());
      int from = intParam(ctx, "from", Math.max(1, to - 1), p.version());
      if (from != to || ctx.queryParam("from") != null) {
        diff = new Views.Diff(from, to, Diffs.sideBySide(pretty(deps.policies().version(name, from).document()),
            pretty(deps.policies().version(name, to).document())));
      }
    } catch (InvalidInputException | NotFoundException e) {
      diffProblem = problem(e, "diff");
    }
    JsonNode fleet = deps.fleet().apply(p.name(), p.stateHash());
    List<Views.FleetRow> fleetRows = new ArrayList<>();
    fleet.path("stateHashes").properties().forEach(e -> fleetRows.add(new Views.FleetRow(e.getKey(),
        e.getValue().asLong(), e.getKey().equals(p.stateHash()))));
    String fleetNote = fleet.path("clients").asLong() == 0 ? "no SDK client has reported this policy recently"
        : fleet.path("clients").asLong() + " SDK clients; " + (fleet.path("converged").asBoolean()
            ? "all serve the current version" : "not converged");
    String frozenNote = p.frozen() ? "frozen by " + p.frozenBy() + " at " + time(p.frozenAt())
        + (p.frozenReason() == null ? "" : ": " + p.frozenReason()) : "not frozen";
    var detail = new Views.PolicyDetail(p.name(), p.version(), p.stateHash(), pretty(p.document()), p.frozen(),
        frozenNote, pretty(Json.mapper().valueToTree(p.guards())), rows, diff, fleetRows, fleetNote,
        applyStats(name));
    var model = new LinkedHashMap<String, Object>();
    model.put("page", page(ctx, s, "Policy " + p.name(), "policies", "policy.*"));
    model.put("p", detail);
    model.put("problem", problem != null ? problem : diffProblem);
    render(ctx, diffProblem != null && problem == null ? 400 : status, "policy.jte", model);
  }

  /** The last 24 h, then each soak session active in them (over the whole session), most recent first. */
  private List<Views.ApplyStatsRow> applyStats(PolicyName name) {
    Instant since = deps.clock().instant().minus(APPLY_STATS_WINDOW);
    List<Views.ApplyStatsRow> rows = new ArrayList<>();
    rows.add(statsRow("last 24 h", deps.policies().applyStats(name, since, null)));
    for (String session : deps.policies().applySessions(name, since, APPLY_STATS_SESSIONS)) {
      rows.add(statsRow("session " + session, deps.policies().applyStats(name, null, session)));
    }
    return rows;
  }

  private static Views.ApplyStatsRow statsRow(String window, io.rollgate.gate.ApplyStats a) {
    return new Views.ApplyStatsRow(window, a.proposals(), a.applied(), a.partialOk(), a.failed(), a.signatureStuck(),
        a.fullApplyRatio() == null ? "—" : String.format(Locale.ROOT, "%.1f%%", a.fullApplyRatio() * 100),
        a.stuckSignatures());
  }

  private void policyChange(Context ctx, Sessions.Session s) {
    policyForm(ctx, s, "change", name -> {
      JsonNode delta = Json.parse(ctx.formParam("delta"), "delta");
      if (!delta.isObject()) {
        throw new InvalidInputException("delta", "'delta' must be a JSON object (a merge patch), got "
            + delta.getNodeType().name().toLowerCase(Locale.ROOT));
      }
      deps.policies().change(name, (ObjectNode) delta, reason(ctx, false), s.principal().name());
    });
  }

  private void policyRollback(Context ctx, Sessions.Session s) {
    policyForm(ctx, s, "rollback", name -> {
      String raw = ctx.formParam("toVersion");
      int to;
      try {
        to = Integer.parseInt(raw == null ? "" : raw.strip());
      } catch (NumberFormatException e) {
        throw new InvalidInputException("toVersion", "'toVersion' must be a version number, got '" + shorten(raw) + "'");
      }
      if (to < 1) {
        throw new InvalidInputException("toVersion", "'toVersion' must be a version number of at least 1, got " + to);
      }
      deps.policies().rollback(name, to, reason(ctx, false), s.principal().name());
    });
  }

  private void policyFreeze(Context ctx, Sessions.Session s, boolean freeze) {
    policyForm(ctx, s, "freeze", name -> {
      String reason = reason(ctx, false);
      if (freeze) {
        deps.policies().freeze(name, reason, s.principal().name());
      } else {
        deps.policies().unfreeze(name, reason, s.principal().name());
      }
    });
  }

  private interface PolicyAction {
    void run(PolicyName name);
  }

  /**
   * Runs a policy form. An apply that the guards skip is not an error for the API (200 with a
   * skipReason) and changes nothing; here it comes back through the page, which shows the version.
   */
  private void policyForm(Context ctx, Sessions.Session s, String form, PolicyAction action) {
    PolicyName name;
    try {
      name = PolicyName.of(ctx.pathParam("name"));
    } catch (InvalidInputException e) {
      error(ctx, s, 400, "Invalid input", e.getMessage());
      return;
    }
    try {
      action.run(name);
    } catch (RollgateException e) {
      if (e instanceof NotFoundException && deps.policies().get(name).isEmpty()) {
        error(ctx, s, 404, "Not found", e.getMessage());
      } else {
        policy(ctx, s, problem(e, form), statusOf(e));
      }
      return;
    }
    ctx.redirect("/ui/policies/" + name, io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void audit(Context ctx, Sessions.Session s) {
    String type = blankToNull(ctx.queryParam("type"));
    String subject = blankToNull(ctx.queryParam("subject"));
    long head = deps.reader().head().seq();
    Views.Problem problem = null;
    long after;
    try {
      String raw = ctx.queryParam("afterSeq");
      after = raw == null || raw.isEmpty() ? (type == null && subject == null ? Math.max(0, head - AUDIT_PAGE) : 0)
          : Long.parseLong(raw);
      if (after < 0) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      problem = new Views.Problem(400, "Invalid input", "'afterSeq' must be a journal sequence number ≥ 0, got '"
          + shorten(ctx.queryParam("afterSeq")) + "'", "afterSeq", "filter");
      after = 0;
    }
    List<Views.EntryRow> rows = new ArrayList<>();
    long cursor = after;
    long scanned = 0;
    while (rows.size() < AUDIT_PAGE && scanned < AUDIT_SCAN) {
      List<JournalEntry> page = deps.reader().page(cursor, JournalReader.MAX_PAGE);
      if (page.isEmpty()) {
        break;
      }
      for (JournalEntry e : page) {
        cursor = e.seq();
        scanned++;
        if ((type == null || e.type().equals(type) || type.endsWith("*") && e.type().startsWith(
            type.substring(0, type.length() - 1))) && (subject == null || subject.equals(e.subject()))) {
          rows.add(entry(e));
          if (rows.size() == AUDIT_PAGE) {
            break;
          }
        }
      }
    }
    String filters = (type == null ? "" : "&type=" + enc(type)) + (subject == null ? "" : "&subject=" + enc(subject));
    String next = cursor < head ? "/ui/audit?afterSeq=" + cursor + filters : null;
    String verdict;
    boolean ok;
    if ("1".equals(ctx.queryParam("verify"))) {
      var r = deps.reader().verify();
      ok = r.ok();
      verdict = r.ok() ? "verified now: " + r.entries() + " entries, the chain is intact (head " + abbrev(r.headHash())
          + ")" : "verified now: the chain is broken at seq " + r.firstBadSeq() + ": " + r.problem();
    } else {
      Attestor.Verdict v = deps.attestor().lastVerdict();
      ok = !(v instanceof Attestor.Verdict.Failed);
      verdict = "attestor: " + attestor(v);
    }
    var model = new LinkedHashMap<String, Object>();
    model.put("page", page(ctx, s, "Journal", "audit", type == null && subject == null ? "*" : null));
    model.put("a", new Views.AuditPage(rows, type == null ? "" : type, subject == null ? "" : subject, head, next,
        verdict, ok));
    model.put("problem", problem);
    render(ctx, problem == null ? 200 : 400, "audit.jte", model);
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  private void error(Context ctx, Sessions.Session s, int status, String title, String detail) {
    var model = new LinkedHashMap<String, Object>();
    model.put("page", page(ctx, s, title, "", null));
    model.put("status", status);
    model.put("detail", detail);
    render(ctx, status, "error.jte", model);
  }

  private void render(Context ctx, int status, String template, Map<String, Object> model) {
    var out = new StringOutput();
    templates.render(template, model, out);
    ctx.status(status).contentType("text/html; charset=utf-8")
        .result(out.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A reason from the form: required (non-blank, as the API's rollout and incident actions) or optional. */
  private static String reason(Context ctx, boolean required) {
    String r = ctx.formParam("reason");
    if (r != null && r.length() > MAX_REASON) {
      throw new InvalidInputException("reason", "'reason' is " + r.length() + " characters long; at most "
          + MAX_REASON + " are accepted");
    }
    if (required && (r == null || r.isBlank())) {
      throw new InvalidInputException("reason", "'reason' must not be blank: say why, it is journaled");
    }
    return r == null || r.isBlank() ? null : r.strip();
  }

  private static Views.Problem problem(RollgateException e, String form) {
    String field = e instanceof InvalidInputException i ? i.field() : null;
    return new Views.Problem(statusOf(e), titleOf(e), e.getMessage(), field, form);
  }

  static int statusOf(RollgateException e) {
    return switch (e) {
      case InvalidInputException i -> 400;
      case ForbiddenException f -> 403;
      case NotFoundException n -> 404;
      case ConflictException c -> 409;
      case SaturatedException x -> 503;
      case IntegrityException x -> 500;
    };
  }

  private static String titleOf(RollgateException e) {
    return switch (e) {
      case InvalidInputException i -> "Invalid input";
      case ForbiddenException f -> "Forbidden";
      case NotFoundException n -> "Not found";
      case ConflictException c -> "Conflict";
      case SaturatedException x -> "Journal saturated";
      case IntegrityException x -> "Verification failed";
    };
  }

  private static int intParam(Context ctx, String name, int dflt, int max) {
    String raw = ctx.queryParam(name);
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(raw);
      if (v >= 1 && v <= max) {
        return v;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new InvalidInputException(name, "'" + name + "' must be a version between 1 and " + max + ", got '"
        + shorten(raw) + "'");
  }

  private static Views.EntryRow entry(JournalEntry e) {
    String payload = Json.write(e.payload());
    return new Views.EntryRow(e.seq(), time(e.recordedAt()), e.type(), e.subject(), e.actor(),
        payload.length() > 300 ? payload.substring(0, 300) + "…" : payload);
  }

  private static String attestor(Attestor.Verdict v) {
    return switch (v) {
      case Attestor.Verdict.Pending p -> "no run yet";
      case Attestor.Verdict.Passed p -> "passed at " + time(p.at()) + ": chain verified to seq " + p.verifiedSeq()
          + ", " + p.policies() + " policies re-hashed";
      case Attestor.Verdict.Failed f -> "FAILED at " + time(f.at()) + (f.firstBadSeq() == null ? ""
          : ", first bad seq " + f.firstBadSeq()) + ": " + String.join("; ", f.problems());
      case Attestor.Verdict.Unavailable u -> "could not run at " + time(u.at()) + ": " + u.reason();
    };
  }

  static String time(Instant t) {
    return t == null ? "" : TIME.format(t);
  }

  static String pretty(JsonNode n) {
    try {
      return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print JSON: " + e.getMessage(), e);
    }
  }

  private static String abbrev(String hash) {
    return hash == null || hash.length() < 12 ? String.valueOf(hash) : hash.substring(0, 12) + "…";
  }

  static String shorten(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** The static files: htmx and its SSE extension from the WebJar, and the stylesheet; names carry a version. */
  static final class Assets {
    private final Map<String, byte[]> files;
    private final Map<String, String> types;

    private Assets(Map<String, byte[]> files, Map<String, String> types) {
      this.files = files;
      this.types = types;
    }

    static final String HTMX = "htmx-" + htmxVersion() + ".min.js";
    static final String SSE = "htmx-sse-" + htmxVersion() + ".js";
    static final String CSS = "rollgate-ui-2.css";
    static final String JS = "rollgate-ui-2.js";

    static Assets load() {
      String base = "META-INF/resources/webjars/htmx.org/" + htmxVersion() + "/dist/";
      var files = new LinkedHashMap<String, byte[]>();
      var types = new LinkedHashMap<String, String>();
      files.put(HTMX, read(base + "htmx.min.js"));
      types.put(HTMX, "text/javascript; charset=utf-8");
      files.put(SSE, read(base + "ext/sse.js"));
      types.put(SSE, "text/javascript; charset=utf-8");
      files.put(CSS, read("io/rollgate/server/ui/ui.css"));
      types.put(CSS, "text/css; charset=utf-8");
      files.put(JS, read("io/rollgate/server/ui/ui.js"));
      types.put(JS, "text/javascript; charset=utf-8");
      return new Assets(Map.copyOf(files), Map.copyOf(types));
    }

    void serve(Context ctx) {
      byte[] body = files.get(ctx.pathParam("name"));
      if (body == null) {
        ctx.status(404).contentType("text/plain; charset=utf-8").result("no such asset");
        return;
      }
      // the name changes with the content (the htmx version, the stylesheet's number), so caching forever is safe
      ctx.header("Cache-Control", "public, max-age=31536000, immutable");
      ctx.header("X-Content-Type-Options", "nosniff");
      ctx.contentType(types.get(ctx.pathParam("name"))).result(body);
    }

    private static String htmxVersion() {
      var props = new java.util.Properties();
      try (InputStream in = Ui.class.getClassLoader()
          .getResourceAsStream("META-INF/maven/org.webjars.npm/htmx.org/pom.properties")) {
        if (in == null) {
          throw new IllegalStateException("the htmx.org WebJar is not on the classpath");
        }
        props.load(in);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the htmx.org WebJar's version: " + e.getMessage(), e);
      }
      return props.getProperty("version");
    }

    private static byte[] read(String resource) {
      try (InputStream in = Ui.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("dashboard asset " + resource + " is not on the classpath");
        }
        return in.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read dashboard asset " + resource + ": " + e.getMessage(), e);
      }
    }
  }
}
