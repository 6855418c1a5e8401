package io.rollgate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.error.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValidationTest {
  @ParameterizedTest
  @ValueSource(strings = {"a", "resource-limits", "guardian_enforcement", "0", "a234567890123456789012345678901234567890123456789012345678901234"})
  void accepts_valid_policy_names(String name) {
    assertThat(PolicyName.of(name).value()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-a", "_a", "A", "a.b", "a b", "a/b", "é", "a2345678901234567890123456789012345678901234567890123456789012345"})
  void refuses_invalid_policy_names_naming_the_rule(String name) {
    assertThatThrownBy(() -> PolicyName.of(name))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("[a-z0-9][a-z0-9_-]{0,63}");
  }

  @Test
  void guard_values_are_validated_with_the_field_and_the_number() {
    assertThatThrownBy(() -> new GuardConfig(-1, null, 0))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("cooldownSeconds must be between 0 (off) and 604800, got -1")
        .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("cooldownSeconds");
    assertThatThrownBy(() -> new GuardConfig(0, null, 604801))
        .hasMessageContaining("oscillationWindowSeconds").hasMessageContaining("604801");
    assertThatThrownBy(() -> new GuardConfig.Velocity(0, 60))
        .hasMessage("velocity.maxChanges must be between 1 and 10000, got 0");
    assertThatThrownBy(() -> new GuardConfig.Velocity(3, 0))
        .hasMessage("velocity.windowSeconds must be between 1 and 604800, got 0");
  }

  @Test
  void look_back_is_the_longest_guard_window() {
    assertThat(new GuardConfig(30, new GuardConfig.Velocity(3, 3600), 600).lookBack().toSeconds()).isEqualTo(3600);
    assertThat(GuardConfig.NONE.lookBack().isZero()).isTrue();
  }
}
