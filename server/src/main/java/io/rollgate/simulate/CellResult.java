package io.rollgate.simulate;

import java.util.ArrayList;
import java.util.List;

/** One cell of the grid (rate, baseline error, multiplier) and every detector's result in it. */
public record CellResult(double rate, double baselineError, double multiplier, int runs,
    List<DetectorResult> detectors) {

  static CellResult of(SimulationSpec spec, Simulator.Cell cell, Tally[] tallies) {
    List<DetectorResult> list = new ArrayList<>();
    boolean regressed = cell.multiplier() > 1;
    for (int d = 0; d < spec.detectors().size(); d++) {
      list.add(DetectorResult.of(spec.detectors().get(d), tallies[d], regressed));
    }
    if (Simulator.tracksSrm(spec, cell)) {
      list.add(DetectorResult.of(Simulator.SRM, tallies[spec.detectors().size()], spec.srmBug()));
    }
    return new CellResult(cell.rate(), cell.baselineError(), cell.multiplier(), cell.runs(), list);
  }

  public boolean healthy() {
    return multiplier == 1;
  }

  public DetectorResult detector(String name) {
    return detectors.stream().filter(d -> d.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no detector " + name + " in this cell"));
  }
}
