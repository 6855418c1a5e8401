package io.rollgate.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluation semantics, typed getters, defaults and file booting, on a client that serves a bootstrap file only. */
class OfflineClientTest {
  static final String HASH_V3 = "a".repeat(64);
  static final String HASH_V2 = "b".repeat(64);
  static final String HASH_CANDIDATE = "c".repeat(64);
  final ObjectMapper mapper = new ObjectMapper();
  @TempDir
  Path dir;

  /** limits (no rollout) and rollout-policy under rollout 'rollout-1' at 40%: the shared vectors pin who gets what. */
  static String bootstrap(int basisPoints) {
    return """
        {"seq": 41, "policies": {
          "limits": {"version": 3, "stateHash": "%s", "rollout": null,
            "document": {"max": 10, "mode": "strict", "enabled": true, "ratio": 0.5, "list": [1, 2],
                         "nested": {"deep": {"x": "y"}}}},
          "rollout-policy": {"version": 2, "stateHash": "%s",
            "document": {"enforce": false, "level": 1},
            "rollout": {"id": "rollout-1", "salt": "rollout-1", "basisPoints": %d, "phase": "PROGRESSING",
              "baselineVersion": 2, "candidate": {"enforce": true, "level": 2}, "candidateHash": "%s"}}}}
        """.formatted(HASH_V3, HASH_V2, basisPoints, HASH_CANDIDATE);
  }

  RollgateClient offline(String json) throws IOException {
    Path file = dir.resolve("bootstrap.json");
    Files.writeString(file, json);
    return RollgateClient.builder().bootstrapFile(file).build();
  }

  @Test
  void a_policy_without_rollout_gives_everyone_its_current_version() throws IOException {
    try (var client = offline(bootstrap(4000))) {
      Evaluation e = client.evaluate("limits", "user-1");

      assertThat(e.reason()).isEqualTo(Reason.STATIC);
      assertThat(e.variant()).isEqualTo(Variant.BASELINE);
      assertThat(e.version()).isEqualTo(3);
      assertThat(e.stateHash()).isEqualTo(HASH_V3);
      assertThat(e.rolloutId()).isNull();
      assertThat(e.value().path("max").intValue()).isEqualTo(10);
      assertThat(client.isReady()).isTrue();
      assertThat(client.isStale()).isFalse();
    }
  }

  @Test
  void under_a_rollout_the_bucket_decides_as_the_shared_vectors_say() throws IOException {
    // vectors.tsv: rollout-1/user-1 is bucket 4746, rollout-1/user-2 is bucket 3689; 40% = 4000
    try (var client = offline(bootstrap(4000))) {
      Evaluation one = client.evaluate("rollout-policy", "user-1");
      Evaluation two = client.evaluate("rollout-policy", "user-2");

      assertThat(one.variant()).isEqualTo(Variant.BASELINE);
      assertThat(one.reason()).isEqualTo(Reason.SPLIT);
      assertThat(one.version()).isEqualTo(2);
      assertThat(one.stateHash()).isEqualTo(HASH_V2);
      assertThat(two.variant()).isEqualTo(Variant.CANDIDATE);
      assertThat(two.reason()).isEqualTo(Reason.SPLIT);
      assertThat(two.version()).as("a candidate has no version until the rollout completes").isNull();
      assertThat(two.stateHash()).isEqualTo(HASH_CANDIDATE);
      assertThat(two.rolloutId()).isEqualTo("rollout-1");
      assertThat(client.getBoolean("rollout-policy.enforce", "user-2", false)).isTrue();
      assertThat(client.getBoolean("rollout-policy.enforce", "user-1", true)).isFalse();
    }
  }

  @Test
  void a_missing_or_blank_subject_gets_the_baseline_even_at_100_percent() throws IOException {
    try (var client = offline(bootstrap(10_000))) {
      for (String subject : new String[] {null, "", "   "}) {
        Evaluation e = client.evaluate("rollout-policy", subject);
        assertThat(e.variant()).as("subject '%s'", subject).isEqualTo(Variant.BASELINE);
        assertThat(e.reason()).isEqualTo(Reason.NO_SUBJECT);
      }
      assertThat(client.evaluate("rollout-policy", "user-1").variant()).isEqualTo(Variant.CANDIDATE);
    }
  }

  @Test
  void the_split_is_about_the_stated_share_over_many_subjects() throws IOException {
    try (var client = offline(bootstrap(2500))) {
      int candidates = 0;
      for (int i = 0; i < 10_000; i++) {
        if (client.evaluate("rollout-policy", "subject-" + i).variant() == Variant.CANDIDATE) {
          candidates++;
        }
      }
      assertThat(candidates).isBetween(2300, 2700);
    }
  }

  @Test
  void typed_getters_read_nested_paths_and_fall_back_to_the_default() throws IOException {
    try (var client = offline(bootstrap(4000))) {
      assertThat(client.getLong("limits.max", "u", -1)).isEqualTo(10);
      assertThat(client.getString("limits.mode", "u", "none")).isEqualTo("strict");
      assertThat(client.getBoolean("limits.enabled", "u", false)).isTrue();
      assertThat(client.getDouble("limits.ratio", "u", -1)).isEqualTo(0.5);
      assertThat(client.getDouble("limits.max", "u", -1)).isEqualTo(10.0);
      assertThat(client.getLong("limits.list.1", "u", -1)).isEqualTo(2);
      assertThat(client.getString("limits.nested.deep.x", "u", "none")).isEqualTo("y");
      assertThat(client.getJson("limits.nested", "u", null)).isEqualTo(mapper.createObjectNode()
          .set("deep", mapper.createObjectNode().put("x", "y")));
      assertThat(client.getJson("limits", "u", null).path("max").intValue()).isEqualTo(10);

      assertThat(client.getLong("limits.mode", "u", -1)).as("a string is not a long").isEqualTo(-1);
      assertThat(client.getLong("limits.ratio", "u", -1)).as("0.5 is not a long").isEqualTo(-1);
      assertThat(client.getBoolean("limits.max", "u", true)).isTrue();
      assertThat(client.getString("limits.missing", "u", "dflt")).isEqualTo("dflt");
      assertThat(client.getLong("limits.list.7", "u", -1)).isEqualTo(-1);
      assertThat(client.getLong("limits.max.deeper", "u", -1)).isEqualTo(-1);
      assertThat(client.getBoolean("nope.enabled", "u", true)).isTrue();
      assertThat(client.getJson("nope", "u", IntNode.valueOf(7))).isEqualTo(IntNode.valueOf(7));
      assertThat(client.getString(null, "u", "dflt")).isEqualTo("dflt");
    }
  }

  @Test
  void evaluate_names_why_the_default_applies() throws IOException {
    try (var client = offline(bootstrap(4000))) {
      Evaluation unknown = client.evaluate("nope", "u");
      Evaluation missing = client.evaluate("limits.missing", "u");
      Evaluation nested = client.evaluate("limits.nested.deep", "u");

      assertThat(unknown.reason()).isEqualTo(Reason.UNKNOWN_POLICY);
      assertThat(unknown.hasValue()).isFalse();
      assertThat(unknown.value().isMissingNode()).isTrue();
      assertThat(unknown.detail()).contains("policy 'nope' is not in the snapshot");
      assertThat(missing.reason()).isEqualTo(Reason.PATH_NOT_FOUND);
      assertThat(missing.detail()).contains("'limits.missing'", "nothing at missing");
      assertThat(nested.reason()).isEqualTo(Reason.STATIC);
      assertThat(nested.value().path("x").asText()).isEqualTo("y");
      assertThat(nested.version()).isEqualTo(3);
      assertThat(client.evaluate(null, "u").reason()).isEqualTo(Reason.UNKNOWN_POLICY);
    }
  }

  @Test
  void evaluating_a_policy_and_a_cached_path_allocates_nothing() throws IOException {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().threadId();
    String[] subjects = new String[1000];
    for (int i = 0; i < subjects.length; i++) {
      subjects[i] = "user-" + i + "-ünï";
    }
    try (var client = offline(bootstrap(2500))) {
      long sink = 0;
      for (int round = 0; round < 2; round++) { // the first round warms up (and fills the key cache)
        long before = threads.getThreadAllocatedBytes(self);
        for (int i = 0; i < 200_000; i++) {
          String s = subjects[i % subjects.length];
          sink += client.evaluate("rollout-policy", s).variant().ordinal();
          sink += client.getBoolean("rollout-policy.enforce", s, false) ? 1 : 0;
          sink += client.getLong("limits.max", s, 0);
        }
        long allocated = threads.getThreadAllocatedBytes(self) - before;
        if (round == 1) {
          // 600,000 calls; a single allocation per call would be several megabytes
          assertThat(allocated).as("bytes allocated by 600,000 evaluations").isLessThan(64 * 1024);
        }
      }
      assertThat(sink).isPositive();
    }
  }

  @Test
  void a_corrupt_snapshot_file_is_ignored_with_a_reason_and_the_bootstrap_file_serves() throws IOException {
    Path snapshot = dir.resolve("snapshot.json");
    Files.writeString(snapshot, "{\"format\": 1, \"snapshot\": {\"seq\": 1, \"polic");
    Path bootstrap = dir.resolve("bootstrap.json");
    Files.writeString(bootstrap, bootstrap(4000));

    try (var client = RollgateClient.builder().snapshotFile(snapshot).bootstrapFile(bootstrap).build()) {
      assertThat(client.isReady()).isTrue();
      assertThat(client.evaluate("limits", "u").version()).isEqualTo(3);
      assertThat(client.lastError()).hasValueSatisfying(e -> assertThat(e).contains("snapshot file", "ignored"));
    }
  }

  @Test
  void with_nothing_usable_the_client_is_not_ready_says_so_and_gives_defaults() throws IOException {
    Path bootstrap = dir.resolve("bootstrap.json");
    Files.writeString(bootstrap, "{\"seq\": 1, \"policies\": {\"limits\": {\"version\": \"three\"}}}");
    List<ClientEvent> events = new CopyOnWriteArrayList<>();

    try (var client = RollgateClient.builder().bootstrapFile(bootstrap).listener(events::add).build()) {
      assertThat(client.isReady()).isFalse();
      Evaluation e = client.evaluate("limits", "u");
      assertThat(e.reason()).isEqualTo(Reason.NOT_READY);
      assertThat(client.getLong("limits.max", "u", 99)).isEqualTo(99);
      assertThat(client.lastError()).hasValueSatisfying(m -> assertThat(m).contains("'version' must be an integer"));
      assertThat(events).singleElement().isInstanceOf(ClientEvent.Failed.class);
    }
  }

  @Test
  void a_snapshot_file_written_by_a_client_reads_back_whole() throws IOException {
    ObjectNode body = (ObjectNode) mapper.readTree(bootstrap(4000));
    Snapshot s = Snapshot.parse(body, "\"etag-1\"", Snapshot.Source.SERVER, java.time.Instant.parse(
        "2025-01-01T00:00:00Z"), java.util.Set.of(), null);
    Path file = dir.resolve("sub/snapshot.json");

    SnapshotFile.write(mapper, file, s, s.fetchedAt());
    SnapshotFile.write(mapper, file, s, s.fetchedAt()); // replaces
    var loaded = SnapshotFile.read(mapper, file);

    assertThat(loaded.body()).isEqualTo(body);
    assertThat(loaded.etag()).isEqualTo("\"etag-1\"");
    assertThat(loaded.savedAt()).isEqualTo(s.fetchedAt());
    try (var files = Files.list(file.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no temporary file left")
          .containsExactly("snapshot.json");
    }
  }

  @Test
  void bad_options_fail_at_build_naming_the_option() {
    assertThatThrownBy(() -> RollgateClient.builder().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("serverUrl, a snapshotFile or a bootstrapFile");
    assertThatThrownBy(() -> RollgateClient.builder().serverUrl("http://127.0.0.1:1").build())
        .hasMessageContaining("token is required");
    assertThatThrownBy(() -> RollgateClient.builder().serverUrl("ftp://x").token("t").build())
        .hasMessageContaining("serverUrl must be an http or https URL");
    assertThatThrownBy(() -> RollgateClient.builder().bootstrapFile(dir).policies("Bad.Name").build())
        .hasMessageContaining("'Bad.Name' is not a policy name");
    assertThatThrownBy(() -> RollgateClient.builder().bootstrapFile(dir).flushInterval(java.time.Duration.ZERO).build())
        .hasMessageContaining("flushInterval must be positive");
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      many.add("p" + i);
    }
    assertThatThrownBy(() -> RollgateClient.builder().bootstrapFile(dir).policies(many).build())
        .hasMessageContaining("101 policies; at most 100");
  }
}
