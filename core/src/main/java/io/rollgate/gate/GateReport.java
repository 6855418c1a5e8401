package io.rollgate.gate;

import java.util.List;
import java.util.Objects;

/** A gate's verdict (the worst of its findings) and every finding, in the order they were checked. */
public record GateReport(Verdict verdict, boolean strict, List<Finding> findings) {
  public GateReport {
    Objects.requireNonNull(verdict, "verdict");
    findings = List.copyOf(findings);
  }

  public static GateReport of(boolean strict, List<Finding> findings) {
    if (findings.isEmpty()) {
      throw new IllegalArgumentException("a gate needs at least one check (scenario, policy or rollout)");
    }
    Verdict v = Verdict.PASS;
    for (Finding f : findings) {
      v = v.worst(f.verdict());
    }
    return new GateReport(v, strict, findings);
  }

  /** The findings that made the verdict what it is (the FAILs of a FAIL, the WARNs of a WARN), else all. */
  public List<Finding> reasons() {
    return verdict == Verdict.PASS ? findings : findings.stream().filter(f -> f.verdict() == verdict).toList();
  }
}
