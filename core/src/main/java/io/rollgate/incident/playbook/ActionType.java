package io.rollgate.incident.playbook;

import io.rollgate.error.InvalidInputException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The remediation actions: what each does, its parameters (a JSON Schema), how risky it can be and
 * whether a successful execution can be undone by a compensating one. {@link Plans} decides, per
 * execution, the actual risk (set-percentage is HIGH only upwards) and the compensation.
 */
public enum ActionType {
  ROLLBACK_ROLLOUT("rollback-rollout", Target.ROLLOUT, Risk.MEDIUM, false,
      "Roll back the rollout: every subject returns to the baseline; the rollout becomes final (ROLLED_BACK).",
      Schemas.ROLLOUT),
  PAUSE_ROLLOUT("pause-rollout", Target.ROLLOUT, Risk.LOW, true,
      "Pause the rollout at its stage: the candidate keeps its share, nothing is measured or moved until resumed.",
      Schemas.ROLLOUT),
  RESUME_ROLLOUT("resume-rollout", Target.ROLLOUT, Risk.LOW, true,
      "Resume a paused rollout at its stage with a fresh analysis (the compensation of pause-rollout).",
      Schemas.ROLLOUT),
  SET_PERCENTAGE("set-percentage", Target.ROLLOUT, Risk.HIGH, true,
      "Move the rollout to the stage with the given percentage: down removes the newest cohorts at once, up "
          + "skips the analysis of the stages in between and needs an approval.",
      Schemas.SET_PERCENTAGE),
  FREEZE_POLICY("freeze-policy", Target.POLICY, Risk.LOW, true,
      "Freeze the policy: every change is refused (and a rollout cannot complete) until it is unfrozen.",
      Schemas.POLICY),
  UNFREEZE_POLICY("unfreeze-policy", Target.POLICY, Risk.MEDIUM, true,
      "Unfreeze the policy (the compensation of freeze-policy).", Schemas.POLICY),
  REVERT_POLICY("revert-policy", Target.POLICY, Risk.HIGH, true,
      "Make the content of an earlier version the policy's next version, through the apply pipeline's guards.",
      Schemas.REVERT),
  RERUN_ANALYSIS("rerun-analysis", Target.ROLLOUT, Risk.LOW, false,
      "Measure the rollout's current stage now, off schedule, and reconcile it with the reading.",
      Schemas.ROLLOUT),
  HTTP_CALL("http-call", Target.EXTERNAL, Risk.HIGH, false,
      "Call an HTTP endpoint on the configured allow-list (dbt, Elasticsearch, a runbook service).",
      Schemas.HTTP_CALL);

  /** What an action works on. */
  public enum Target { ROLLOUT, POLICY, EXTERNAL }

  private final String wire;
  private final Target target;
  private final Risk maxRisk;
  private final boolean reversible;
  private final String description;
  private final ParamSchema schema;

  ActionType(String wire, Target target, Risk maxRisk, boolean reversible, String description, String schema) {
    this.wire = wire;
    this.target = target;
    this.maxRisk = maxRisk;
    this.reversible = reversible;
    this.description = description;
    this.schema = ParamSchema.of(schema);
  }

  public String wire() {
    return wire;
  }

  public Target target() {
    return target;
  }

  /** The highest risk an execution of it can have. */
  public Risk maxRisk() {
    return maxRisk;
  }

  /** Whether a successful execution can be undone by a compensating one. */
  public boolean reversible() {
    return reversible;
  }

  public String description() {
    return description;
  }

  public ParamSchema schema() {
    return schema;
  }

  /** True for the actions whose work happens outside the journal writer (a network call, a measurement). */
  public boolean external() {
    return this == HTTP_CALL || this == RERUN_ANALYSIS;
  }

  /** @throws InvalidInputException naming {@code field} and every known action */
  public static ActionType parse(String field, String s) {
    for (ActionType a : values()) {
      if (a.wire.equals(s)) {
        return a;
      }
    }
    throw new InvalidInputException(field, "'" + field + "' must be one of "
        + Arrays.stream(values()).map(ActionType::wire).collect(Collectors.joining(", ")) + "; got '"
        + Plans.shorten(s) + "'");
  }

  /** The parameter schemas, as served to clients. */
  static final class Schemas {
    static final String ROLLOUT_ID = "\"rollout\":{\"type\":\"string\",\"pattern\":"
        + "\"^[a-z0-9][a-z0-9_-]{0,63}-[1-9][0-9]{0,9}$\",\"description\":\"the rollout id, e.g. limits-3\"}";
    static final String POLICY_NAME = "\"policy\":{\"type\":\"string\",\"pattern\":\"^[a-z0-9][a-z0-9_-]{0,63}$\","
        + "\"description\":\"the policy name\"}";
    static final String ROLLOUT = "{\"type\":\"object\",\"required\":[\"rollout\"],\"additionalProperties\":false,"
        + "\"properties\":{" + ROLLOUT_ID + "}}";
    static final String SET_PERCENTAGE = "{\"type\":\"object\",\"required\":[\"rollout\",\"percentage\"],"
        + "\"additionalProperties\":false,\"properties\":{" + ROLLOUT_ID + ",\"percentage\":{\"type\":\"number\","
        + "\"minimum\":0,\"maximum\":100,\"description\":\"the percentage of one of the rollout's stages\"}}}";
    static final String POLICY = "{\"type\":\"object\",\"required\":[\"policy\"],\"additionalProperties\":false,"
        + "\"properties\":{" + POLICY_NAME + "}}";
    static final String REVERT = "{\"type\":\"object\",\"required\":[\"policy\",\"toVersion\"],"
        + "\"additionalProperties\":false,\"properties\":{" + POLICY_NAME + ",\"toVersion\":{\"type\":\"integer\","
        + "\"minimum\":1,\"maximum\":2147483647,\"description\":\"the version whose content becomes the next one\"}}}";
    static final String HTTP_CALL = "{\"type\":\"object\",\"required\":[\"url\",\"method\"],"
        + "\"additionalProperties\":false,\"properties\":{"
        + "\"url\":{\"type\":\"string\",\"pattern\":\"^https?://[^\\\\s]+$\",\"maxLength\":2000,"
        + "\"description\":\"http or https; must start with a prefix on the server's allow-list\"},"
        + "\"method\":{\"type\":\"string\",\"enum\":[\"GET\",\"POST\",\"PUT\",\"PATCH\",\"DELETE\"]},"
        + "\"headers\":{\"type\":\"object\",\"maxProperties\":20,\"additionalProperties\":{\"type\":\"string\","
        + "\"maxLength\":4096},\"description\":\"values are never journaled, logged or shown\"},"
        + "\"body\":{\"type\":\"string\",\"maxLength\":65536},"
        + "\"timeoutSeconds\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":30,\"default\":10}}}";

    private Schemas() {}
  }
}
