package io.rollgate.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.server.lifecycle.Lifecycle.State;
import org.junit.jupiter.api.Test;

class LifecycleTest {
  @Test
  void the_normal_path_is_starting_serving_draining_stopped() {
    var l = new Lifecycle();
    assertThat(l.state()).isEqualTo(State.STARTING);
    assertThat(l.moveTo(State.SERVING)).isTrue();
    assertThat(l.draining()).isFalse();
    assertThat(l.moveTo(State.DRAINING)).isTrue();
    assertThat(l.draining()).isTrue();
    assertThat(l.moveTo(State.STOPPED)).isTrue();
    assertThat(l.draining()).isTrue();
  }

  @Test
  void a_second_drain_is_a_no_op_and_going_back_is_refused() {
    var l = new Lifecycle();
    l.moveTo(State.SERVING);
    l.moveTo(State.DRAINING);
    assertThat(l.moveTo(State.DRAINING)).isFalse();
    l.moveTo(State.STOPPED);
    assertThat(l.moveTo(State.DRAINING)).isFalse();
    assertThat(l.state()).isEqualTo(State.STOPPED);
  }

  @Test
  void going_back_to_serving_is_refused() {
    var l = new Lifecycle();
    l.moveTo(State.SERVING);
    l.moveTo(State.DRAINING);
    assertThatThrownBy(() -> l.moveTo(State.SERVING)).hasMessage("lifecycle cannot go from DRAINING to SERVING");
  }

  @Test
  void skipping_the_drain_is_refused_naming_both_states() {
    var l = new Lifecycle();
    assertThatThrownBy(() -> l.moveTo(State.STOPPED)).isInstanceOf(IllegalStateException.class)
        .hasMessage("lifecycle cannot go from STARTING to STOPPED");
  }

  @Test
  void a_failed_start_may_drain_without_having_served() {
    var l = new Lifecycle();
    assertThat(l.moveTo(State.DRAINING)).isTrue();
  }
}
