package io.rollgate.json;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonPointersTest {
  @Test
  void reports_changed_added_and_removed_leaves_as_sorted_pointers() {
    var before = Json.parse("{\"standard\":{\"max_wall_time_ms\":3000,\"max_memory_mb\":512},\"gone\":1}", "b");
    var after = Json.parse("{\"standard\":{\"max_wall_time_ms\":5000,\"max_memory_mb\":512},\"new\":{\"x\":true}}", "b");

    assertThat(JsonPointers.changedKeys(before, after))
        .containsExactly("/gone", "/new/x", "/standard/max_wall_time_ms");
  }

  @Test
  void escapes_tilde_and_slash_per_rfc6901() {
    var before = Json.parse("{\"a/b\":{\"m~n\":1}}", "b");
    var after = Json.parse("{\"a/b\":{\"m~n\":2}}", "b");
    assertThat(JsonPointers.changedKeys(before, after)).containsExactly("/a~1b/m~0n");
  }

  @Test
  void compares_arrays_whole_and_reports_type_changes_at_their_path() {
    var before = Json.parse("{\"list\":[1,2],\"o\":{\"k\":1},\"s\":\"x\"}", "b");
    var after = Json.parse("{\"list\":[1,2,3],\"o\":7,\"s\":\"x\"}", "b");
    assertThat(JsonPointers.changedKeys(before, after)).containsExactly("/list", "/o");
  }

  @Test
  void an_empty_object_appearing_is_a_change() {
    var before = Json.parse("{\"a\":1}", "b");
    var after = Json.parse("{\"a\":1,\"e\":{}}", "b");
    assertThat(JsonPointers.changedKeys(before, after)).containsExactly("/e");
    assertThat(JsonPointers.changedKeys(after, after)).isEmpty();
  }
}
