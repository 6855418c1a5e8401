package io.rollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReplicaBenchTest {
  @Test
  void eachModeHasItsOwnDefaultsAndBadArgumentsAreRefused() {
    var failover = ReplicaBench.Options.parse(new String[] {"failover"});
    assertThat(failover.trials()).isEqualTo(20);
    assertThat(failover.lease()).isEqualTo(6);
    assertThat(failover.stops()).isEqualTo(3);
    var throughput = ReplicaBench.Options.parse(new String[] {"throughput", "--seconds", "5", "--threads", "8"});
    assertThat(throughput.trials()).isEqualTo(3);
    assertThat(throughput.seconds()).isEqualTo(5);
    assertThat(throughput.threads()).isEqualTo(8);
    assertThatThrownBy(() -> ReplicaBench.Options.parse(new String[] {"chaos"}))
        .hasMessageContaining("mode must be throughput, propagation or failover, got chaos");
    assertThatThrownBy(() -> ReplicaBench.Options.parse(new String[] {"failover", "--trials", "0"}))
        .hasMessageContaining("trials 1-100");
    assertThatThrownBy(() -> ReplicaBench.Options.parse(new String[] {"failover", "--colour", "red"}))
        .hasMessage("unknown argument --colour");
    assertThatThrownBy(() -> ReplicaBench.Options.parse(new String[] {}))
        .hasMessageStartingWith("usage: ReplicaBench");
  }
}
