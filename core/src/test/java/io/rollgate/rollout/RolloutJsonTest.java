package io.rollgate.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Json;
import org.junit.jupiter.api.Test;

/** The wire form's parsing refuses, by field, what could not be stored or journaled as sent. */
class RolloutJsonTest {
  private static final String PROMETHEUS =
      "{\"provider\":\"prometheus\",\"prometheusUrl\":\"http://127.0.0.1:9090\",\"query\":\"%s\"}";

  @Test
  void a_percentage_beyond_a_double_is_refused_by_field_not_a_number_format_error() {
    for (String huge : new String[] {"1e400", "-1e400", "1e2147483647"}) {
      assertThatThrownBy(() -> RolloutJson.stages(Json.parse(
          "[{\"name\":\"all\",\"percentage\":" + huge + ",\"maxErrorRate\":0.1}]", "test")))
          .as(huge).isInstanceOf(InvalidInputException.class)
          .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("stages[0].percentage"));
    }
  }

  @Test
  void a_stage_name_with_nul_or_an_unpaired_surrogate_is_refused_naming_the_stage() {
    for (String name : new String[] {"a\\u0000b", "\\ud800", "x\\udc00y"}) {
      assertThatThrownBy(() -> RolloutJson.stages(Json.parse(
          "[{\"name\":\"ok\",\"percentage\":50,\"maxErrorRate\":0.1},"
              + "{\"name\":\"" + name + "\",\"percentage\":100,\"maxErrorRate\":0.1}]", "test")))
          .as(name).isInstanceOf(InvalidInputException.class)
          .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("stages[1].name"));
    }
    assertThat(RolloutJson.stages(Json.parse("[{\"name\":\"\\ud83d\\ude80 launch\",\"percentage\":100,"
        + "\"maxErrorRate\":0.1}]", "test")).get(0).name()).isEqualTo("\uD83D\uDE80 launch");
  }

  @Test
  void prometheus_settings_with_nul_or_an_unpaired_surrogate_are_refused_by_field() {
    assertThatThrownBy(() -> RolloutJson.analysis(Json.parse(PROMETHEUS.formatted("up\\u0000"), "test")))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("analysis.query"));
    assertThatThrownBy(() -> RolloutJson.analysis(Json.parse(PROMETHEUS.formatted("up\\ud800"), "test")))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("analysis.query"));
    assertThatThrownBy(() -> RolloutJson.analysis(Json.parse("{\"provider\":\"prometheus\","
        + "\"prometheusUrl\":\"http://h\\u0000:9090\",\"query\":\"up\"}", "test")))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("analysis.prometheusUrl"));
    assertThat(RolloutJson.analysis(Json.parse(PROMETHEUS.formatted("up"), "test")).query()).isEqualTo("up");
  }
}
