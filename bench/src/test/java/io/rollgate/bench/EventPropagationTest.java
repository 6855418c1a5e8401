package io.rollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventPropagationTest {
  @Test
  void badArgumentsNameTheOptionAndTheValue() {
    assertThatThrownBy(() -> EventPropagation.Options.parse(new String[] {"--clients", "0"}))
        .hasMessage("--clients must be between 1 and 20000, got 0");
    assertThatThrownBy(() -> EventPropagation.Options.parse(new String[] {"--events", "many"}))
        .hasMessage("--events must be an integer, got 'many'");
    assertThatThrownBy(() -> EventPropagation.Options.parse(new String[] {"--runs"}))
        .hasMessage("--runs needs a value");
    assertThatThrownBy(() -> EventPropagation.Options.parse(new String[] {"--colour", "red"}))
        .hasMessage("unknown argument --colour");
  }

  @Test
  void serverOptionsSplitOnWhitespace() {
    var o = EventPropagation.Options.parse(new String[] {"--server-opts", " -Xmx512m  -XX:+UseSerialGC ", "--json"});
    assertThat(o.serverJvmOptions()).containsExactly("-Xmx512m", "-XX:+UseSerialGC");
    assertThat(o.json()).isTrue();
    assertThat(o.out().toString()).startsWith("bench/results/").endsWith("-sse");
  }

  @Test
  void percentilesAreNearestRankAndMediansAverageTheMiddlePair() {
    double[] v = new double[100];
    for (int i = 0; i < v.length; i++) {
      v[i] = i + 1; // 1..100
    }
    assertThat(PropagationRun.pct(v, 0.50)).isEqualTo(50);
    assertThat(PropagationRun.pct(v, 0.99)).isEqualTo(99);
    assertThat(PropagationRun.pct(new double[] {5}, 0.99)).isEqualTo(5);
    assertThat(EventPropagation.median(new double[] {1, 2, 9})).isEqualTo(2);
    assertThat(EventPropagation.median(new double[] {1, 2, 4, 9})).isEqualTo(3);
  }
}
