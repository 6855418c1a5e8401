package io.rollgate.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The SDK's copy of the bucketing is the server's: the shared vectors, and a plain byte-array hash for any text. */
class BucketingTest {
  /** The vectors every Rollgate SDK must reproduce, read from core (the one copy). */
  static final Path VECTORS = Path.of("../core/src/test/resources/bucketing/vectors.tsv");

  @Test
  void reproduces_every_shared_vector() throws IOException {
    List<String[]> rows = Files.readAllLines(VECTORS, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#"))
        .map(l -> l.split("\t", -1))
        .toList();

    assertThat(rows).hasSizeGreaterThanOrEqualTo(8);
    for (String[] r : rows) {
      String salt = r[0];
      String key = r[1];
      assertThat(Bucketing.hash(salt, key)).as("hash of %s:%s", salt, key).isEqualTo(Long.parseLong(r[2]));
      assertThat(Bucketing.bucket(salt, key)).as("bucket of %s:%s", salt, key).isEqualTo(Integer.parseInt(r[3]));
    }
  }

  @Property(tries = 2000)
  void the_streamed_hash_equals_murmur3_of_the_utf8_bytes(@ForAll String salt, @ForAll String key) {
    byte[] bytes = (salt + ":" + key).getBytes(StandardCharsets.UTF_8);

    assertThat(Bucketing.hash(salt, key)).isEqualTo(Integer.toUnsignedLong(reference(bytes)));
  }

  @Test
  void lone_surrogates_are_hashed_as_the_jdk_encodes_them() {
    for (String key : new String[] {"\uD800", "a\uDC00b", "\uD83D", "x\uD83D\uDE00\uD800"}) {
      byte[] bytes = ("s:" + key).getBytes(StandardCharsets.UTF_8);
      assertThat(Bucketing.hash("s", key)).as(key).isEqualTo(Integer.toUnsignedLong(reference(bytes)));
    }
  }

  /** MurmurHash3 x86_32, seed 0, written plainly over a byte array (Appleby's reference structure). */
  static int reference(byte[] data) {
    int h = 0;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int k = (data[4 * i] & 0xff) | (data[4 * i + 1] & 0xff) << 8 | (data[4 * i + 2] & 0xff) << 16
          | (data[4 * i + 3] & 0xff) << 24;
      k *= 0xcc9e2d51;
      k = Integer.rotateLeft(k, 15);
      k *= 0x1b873593;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int k = 0;
    int tail = blocks * 4;
    switch (data.length & 3) {
      case 3:
        k ^= (data[tail + 2] & 0xff) << 16;
        // fall through
      case 2:
        k ^= (data[tail + 1] & 0xff) << 8;
        // fall through
      case 1:
        k ^= data[tail] & 0xff;
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k;
        break;
      default:
        break;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
