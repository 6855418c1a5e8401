package io.rollgate.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MergePatchTest {
  /** RFC 7396 Appendix A, every example. */
  @ParameterizedTest(name = "{0} + {1} = {2}")
  @CsvSource(delimiter = '|', value = {
      "{\"a\":\"b\"}                | {\"a\":\"c\"}                      | {\"a\":\"c\"}",
      "{\"a\":\"b\"}                | {\"b\":\"c\"}                      | {\"a\":\"b\",\"b\":\"c\"}",
      "{\"a\":\"b\"}                | {\"a\":null}                       | {}",
      "{\"a\":\"b\",\"b\":\"c\"}    | {\"a\":null}                       | {\"b\":\"c\"}",
      "{\"a\":[\"b\"]}              | {\"a\":\"c\"}                      | {\"a\":\"c\"}",
      "{\"a\":\"c\"}                | {\"a\":[\"b\"]}                    | {\"a\":[\"b\"]}",
      "{\"a\":{\"b\":\"c\"}}        | {\"a\":{\"b\":\"d\",\"c\":null}}   | {\"a\":{\"b\":\"d\"}}",
      "{\"a\":[{\"b\":\"c\"}]}      | {\"a\":[1]}                        | {\"a\":[1]}",
      "[\"a\",\"b\"]                | [\"c\",\"d\"]                      | [\"c\",\"d\"]",
      "{\"a\":\"b\"}                | [\"c\"]                            | [\"c\"]",
      "{\"a\":\"foo\"}              | null                               | null",
      "{\"a\":\"foo\"}              | \"bar\"                            | \"bar\"",
      "{\"e\":null}                 | {\"a\":1}                          | {\"e\":null,\"a\":1}",
      "[1,2]                        | {\"a\":\"b\",\"c\":null}           | {\"a\":\"b\"}",
      "{}                           | {\"a\":{\"bb\":{\"ccc\":null}}}    | {\"a\":{\"bb\":{}}}"})
  void applies_every_rfc7396_example(String target, String patch, String expected) throws Exception {
    JsonNode result = MergePatch.apply(tree(target), tree(patch));
    assertThat(result).isEqualTo(tree(expected));
  }

  @Test
  void leaves_its_inputs_untouched() throws Exception {
    JsonNode target = tree("{\"a\":{\"b\":1,\"c\":2}}");
    JsonNode patch = tree("{\"a\":{\"b\":null,\"d\":3}}");
    MergePatch.apply(target, patch);
    assertThat(target).isEqualTo(tree("{\"a\":{\"b\":1,\"c\":2}}"));
    assertThat(patch).isEqualTo(tree("{\"a\":{\"b\":null,\"d\":3}}"));
  }

  private static JsonNode tree(String json) throws Exception {
    return Json.mapper().readTree(json);
  }
}
