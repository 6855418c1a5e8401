package io.rollgate.server.ui;

import java.util.List;

/**
 * What the templates render: plain records computed by {@link Ui}. Public only because jte's
 * precompiled templates live in their own package; nothing outside the dashboard uses them.
 */
public final class Views {
  private Views() {}

  /** Asset names for the layout; each carries its version so that it can be cached forever. */
  public static final String HTMX_JS = Ui.Assets.HTMX;
  public static final String SSE_JS = Ui.Assets.SSE;
  public static final String CSS = Ui.Assets.CSS;
  public static final String UI_JS = Ui.Assets.JS;

  /**
   * Everything the layout needs.
   *
   * @param liveTypes the event types the page follows ({@code rollout.*,incident.*}), or null for a static page
   * @param selfUrl what a live update re-fetches (this page with its query)
   */
  public record Page(String title, String nav, String user, String role, boolean canOperate, boolean canAdmin,
      String csrf, String liveTypes, String liveTriggers, String selfUrl) {
    /** The htmx attribute that sends the CSRF token with every htmx request. */
    public String hxHeaders() {
      return "{\"X-CSRF-Token\":\"" + csrf + "\"}";
    }

    public String eventsUrl() {
      return "*".equals(liveTypes) ? "/ui/events" : "/ui/events?types=" + liveTypes;
    }
  }

  /** An API problem document shown on the page; {@code field} names the input it belongs next to (or null). */
  public record Problem(int status, String title, String detail, String field, String form) {
    /** True when this problem belongs next to {@code inputField} of {@code formName}. */
    public boolean on(String formName, String inputField) {
      return formName.equals(form) && inputField.equals(field);
    }

    /** True when it belongs to {@code formName} but to none of its fields. */
    public boolean general(String formName) {
      return formName.equals(form) && field == null;
    }
  }

  public record RolloutRow(String id, String policy, String phase, String stage, String percentage,
      String lastVerdict, String errorRate, String updatedAt) {}

  public record StageCell(String name, String percentage, String maxErrorRate, boolean approval, String state) {}

  public record Dot(String x, String y, String verdict, String label) {}

  /**
   * The error-rate chart: each measurement's rate (a line with dots) against the threshold of the
   * stage it was judged at (a step line). Coordinates are precomputed; the template only draws.
   */
  public record Chart(int width, int height, String ratePoints, String thresholdPoints, List<Dot> dots,
      String yMaxLabel, String summary) {
    public boolean empty() {
      return dots.isEmpty();
    }
  }

  public record TransitionRow(String at, String type, String actor, String stage, String reason) {}

  public record ActionButton(String action, String label, boolean primary) {}

  public record RolloutDetail(String id, String policy, String phase, String reason, String percentage,
      String author, List<StageCell> stages, Chart chart, String lastDecision, String lastAnalysis,
      List<TransitionRow> transitions, List<ActionButton> actions, String candidate, String changeReason,
      List<Check> checks) {}

  /**
   * One analysis check of a rollout, newest first: the judge, the statistic it computed, what the
   * statistic was compared with, and the judge's sentence with the numbers.
   */
  public record Check(String at, String stage, String verdict, String judge, String statistic, String threshold,
      String sentence) {}

  public record IncidentRow(long id, String severity, String state, String kind, String title, String source,
      int count, String updatedAt) {}

  public record SeverityCount(String severity, long open) {}

  public record Link(String sink, String label, String url, String state) {}

  public record OccurrenceRow(int n, String at, String severity, String outcome, String title) {}

  public record StateRow(String at, String from, String to, String actor, String reason) {}

  public record IncidentDetail(long id, String title, String severity, String state, String kind, String source,
      int count, String createdAt, List<Link> links, List<OccurrenceRow> occurrences, List<StateRow> transitions,
      List<ActionButton> actions) {}

  /**
   * One input of an action's form, generated from its JSON Schema.
   *
   * @param name the form field, {@code params.<parameter>} (what the API's problem documents name)
   * @param kind {@code text}, {@code number}, {@code select} (an enum) or {@code json} (an object, as JSON)
   */
  public record ParamField(String name, String id, String label, String help, String kind, String value,
      List<String> options, boolean required, String min, String max, String step) {}

  /** An action that fits the incident: what it does, its risk and approval rule, and its parameters. */
  public record ActionForm(String action, String description, String maxRisk, String approval, boolean reversible,
      String why, List<ParamField> fields) {
    /** The name its problems are filed under. */
    public String form() {
      return "pb-" + action;
    }
  }

  public record Hidden(String name, String value) {}

  /** A dry run's plan, shown before the Execute button; {@code params} go back with the Execute form. */
  public record Preview(String action, String shownParams, String target, String risk, List<String> changes,
      String impact, boolean needsApproval, String approvalReason, boolean reversible, String compensation,
      List<Hidden> params) {}

  /**
   * An execution in the action history, with the buttons the signed-in principal may press: approve
   * (an admin who is not the requester: four-eyes), cancel (before it ran), undo (a succeeded
   * reversible one not undone yet).
   */
  public record ExecutionRow(long id, String action, String params, String target, String risk, String state,
      String requester, String approver, String reason, String createdAt, String deadline, String result,
      Long compensates, Long undoneBy, boolean canApprove, boolean canCancel, boolean canUndo,
      List<StateRow> changes) {
    public String form() {
      return "ex-" + id;
    }

    public boolean anyButton() {
      return canApprove || canCancel || canUndo;
    }
  }

  /**
   * The playbook section of an incident page.
   *
   * @param waiting executions awaiting an approval that the signed-in admin may give
   * @param preview the dry run just made, or null
   */
  public record Playbooks(boolean canOperate, List<ActionForm> actions, Preview preview, List<ExecutionRow> waiting,
      List<ExecutionRow> history) {}

  public record PolicyRow(String name, int version, String stateHash, boolean frozen, String updatedAt) {}

  public record VersionRow(int version, String stateHash, String kind, String actor, String reason, String at,
      boolean current) {}

  public record DiffRow(String tag, String left, String right) {}

  public record Diff(int from, int to, List<DiffRow> rows) {}

  public record FleetRow(String stateHash, long clients, boolean current) {}

  /**
   * Apply statistics over one window (the last 24 h, or one soak session): proposals and how they
   * ended; {@code ratio} is applied / proposals ("—" without proposals).
   */
  public record ApplyStatsRow(String window, int proposals, int applied, int partialOk, int failed, int stuck,
      String ratio, List<String> stuckSignatures) {}

  public record PolicyDetail(String name, int version, String stateHash, String document, boolean frozen,
      String frozenNote, String guards, List<VersionRow> versions, Diff diff, List<FleetRow> fleet,
      String fleetNote, List<ApplyStatsRow> applyStats) {}

  public record EntryRow(long seq, String at, String type, String subject, String actor, String payload) {}

  public record AuditPage(List<EntryRow> entries, String type, String subject, long headSeq, String nextUrl,
      String verdict, boolean verdictOk) {}

  public record Overview(List<RolloutRow> active, List<SeverityCount> incidents, long openIncidents,
      String attestor, boolean attestorOk, long headSeq, String headHash, List<EntryRow> recent) {}
}
