package io.rollgate.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.error.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalTest {
  /** Vectors from the RFC 8785 reference test data (cyberphone/json-canonicalization testdata/). */
  @ParameterizedTest
  @CsvSource({
      "values, 0af3685dce30daa753153aadb1956b0f3133642fbe5d4a5e3a4267f94814ba87",
      "weird, 92591c387de83f90a4f5a7b853081c9482ee5bf076e8e309366de6f215cfcbfb",
      "structures, 513d0c0f2524a8b295a9bbd982a37b7a000f1c5f915bf2d6d8cfdf75347bacad"})
  void canonical_form_matches_rfc8785_vectors_through_jackson(String name, String sha256) throws IOException {
    String input = resource("/jcs/input/" + name + ".json");
    String expected = resource("/jcs/output/" + name + ".json");

    // the product path: Jackson tree → canonical text
    String canonical = Canonical.canonicalize(Json.parse(input, "body"));

    assertThat(canonical).isEqualTo(expected);
    assertThat(Canonical.canonicalize(input)).isEqualTo(expected);
    // the hash was computed independently (Python hashlib over the expected bytes)
    assertThat(Canonical.sha256Hex(canonical)).isEqualTo(sha256);
  }

  @Test
  void key_order_and_whitespace_do_not_change_the_state_hash() {
    var a = Json.parse("{\"b\":{\"y\":1,\"x\":[1,2]},\"a\":\"s\"}", "body");
    var b = Json.parse("{\n  \"a\" : \"s\",\n  \"b\" : { \"x\" : [ 1, 2 ], \"y\" : 1.0 }\n}\n", "body");
    var c = Json.parse("{\"a\":\"s\",\"b\":{\"x\":[2,1],\"y\":1}}", "body");

    assertThat(Canonical.sha256Hex(Canonical.canonicalize(a)))
        .isEqualTo(Canonical.sha256Hex(Canonical.canonicalize(b)))
        .isNotEqualTo(Canonical.sha256Hex(Canonical.canonicalize(c)));
  }

  @Test
  void integers_beyond_two_to_the_53_are_refused_with_their_pointer() {
    var ok = Json.parse("{\"a\":{\"n\":9007199254740991}}", "body");
    Canonical.requireIJson(ok, "/document");

    var tooBig = Json.parse("{\"a\":{\"list\":[1,9007199254740993]}}", "body");
    assertThatThrownBy(() -> Canonical.requireIJson(tooBig, "/document"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("9007199254740993")
        .hasMessageContaining("/document/a/list/1")
        .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("/document/a/list/1");
  }

  private static String resource(String path) throws IOException {
    try (InputStream in = CanonicalTest.class.getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
