package io.rollgate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The entry hash is assembled from canonical pieces instead of canonicalising a tree that holds the
 * payload; these tests pin it, byte for byte, to the tree form it replaced:
 * {@code SHA-256(prevHash ‖ JCS({seq, recordedAt, type, subject, actor, payload}))}.
 */
class JournalEntryHashTest {
  /** The original computation, kept here as the reference. */
  private static String treeHash(long seq, Instant at, String type, String subject, String actor, ObjectNode payload,
      String prevHash) {
    ObjectNode body = Json.object();
    body.put("seq", seq);
    body.put("recordedAt", at.toEpochMilli());
    body.put("type", type);
    body.put("subject", subject);
    body.put("actor", actor);
    body.set("payload", payload);
    return Canonical.sha256Hex(prevHash + Canonical.canonicalize(body));
  }

  private static final List<String> AWKWARD = List.of(
      "", "policy.applied", "user:åsa", "a\"b", "back\\slash", "tab\tnew\nline\r", "\u0000\u0001\u001f\u007f",
      "\b\f", "\u2028\u2029", "\uFEFFbom", "emoji \uD83D\uDE00", "lone \uD800 high", "lone \uDC00 low",
      "reversed \uDE00\uD83D", "\"},{\"payload\":", "日本語", "/slash/", "\uFFFF");

  @Test
  void a_known_entry_keeps_its_hash() {
    // computed with the tree form before it was replaced; the stored chain format must not move
    var p = Json.object().put("policy", "resource-limits").put("toVersion", 42).put("ratio", 0.1)
        .put("été", "café \u2028 \"q\" \\ \n");
    p.putArray("changedKeys").add("/cpu/limit").add(1e21).add(-0.0);
    var e = JournalEntry.chain(7, Instant.ofEpochMilli(1767225600123L), "policy.applied", "resource-limits",
        "user:åsa \t\"x\"", p, JournalEntry.GENESIS_HASH);
    assertThat(e.hash()).isEqualTo("f19262b1d5eef91ae8bfeeaa01d8ac92d5d35d94d401cf3e6bf770f4a07ad8ab");
  }

  @Test
  void awkward_strings_and_numbers_hash_as_the_tree_form_does() {
    long[] numbers = {0, 1, -1, 1_767_225_600_123L, (1L << 53) - 1, 1L << 53, (1L << 53) + 1, -(1L << 53) - 1,
        Long.MAX_VALUE, Long.MIN_VALUE};
    String prev = JournalEntry.GENESIS_HASH;
    for (String s : AWKWARD) {
      for (long n : numbers) {
        var payload = Json.object().put(s, s).put("n", n);
        var e = JournalEntry.chain(n, Instant.ofEpochMilli(n), s, s, s, payload, prev);
        assertThat(e.hash()).as("string %s, number %d", s, n)
            .isEqualTo(treeHash(n, Instant.ofEpochMilli(n), s, s, s, payload, prev));
        assertThat(e.recomputeHash()).isEqualTo(e.hash());
      }
    }
  }

  @Test
  void null_fields_hash_as_the_tree_form_does() {
    var e = JournalEntry.chain(3, Instant.EPOCH, null, null, null, null, JournalEntry.GENESIS_HASH);
    assertThat(e.hash()).isEqualTo(treeHash(3, Instant.EPOCH, null, null, null, null, JournalEntry.GENESIS_HASH));
  }

  @Test
  void canonical_pieces_match_the_reference_implementation() {
    for (String s : AWKWARD) {
      assertThat("{\"v\":" + Canonical.string(s) + "}").isEqualTo(Canonical.canonicalize(Json.object().put("v", s)));
    }
    for (long n : new long[] {0, 42, -42, (1L << 53) - 1, 1L << 53, Long.MAX_VALUE, Long.MIN_VALUE}) {
      assertThat("{\"v\":" + Canonical.integer(n) + "}").isEqualTo(Canonical.canonicalize(Json.object().put("v", n)));
    }
  }

  @Property(tries = 300)
  void any_entry_hashes_as_the_tree_form_does(@ForAll("text") String type, @ForAll("text") String subject,
      @ForAll("text") String actor, @ForAll("text") String key, @ForAll("text") String value,
      @ForAll long seq, @ForAll long millis) {
    var payload = Json.object().put(key, value).put("seq", seq);
    payload.putObject("nested").put(value, millis).putArray("list").add(value).add(seq);
    var e = JournalEntry.chain(seq, Instant.ofEpochMilli(millis), type, subject, actor, payload,
        JournalEntry.GENESIS_HASH);
    assertThat(e.hash()).isEqualTo(treeHash(seq, Instant.ofEpochMilli(millis), type, subject, actor, payload,
        JournalEntry.GENESIS_HASH));
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(12),
        Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(12),
        Arbitraries.of(AWKWARD));
  }
}
