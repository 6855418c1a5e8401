package io.rollgate.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MurmurHash3 x86_32 pinned by the published test vectors (SMHasher's verification values as
 * collected in the reference implementations' test suites), then cross-checked against Guava's
 * independent implementation on random input, and the streaming UTF-8 form against String.getBytes.
 */
class Murmur3Test {
  private static int hash(String s, int seed) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return Murmur3.hash32(b, 0, b.length, seed);
  }

  @ParameterizedTest(name = "\"{0}\" seed {1}")
  @CsvSource(delimiter = '|', value = {
      "''|0x00000000|0x00000000",
      "''|0x00000001|0x514E28B7",
      "''|0xffffffff|0x81F16F39",
      "a|0x9747b28c|0x7FA09EA6",
      "ab|0x9747b28c|0x74875592",
      "abc|0x9747b28c|0xC84A62DD",
      "abcd|0x9747b28c|0xF0478627",
      "aa|0x9747b28c|0x5D211726",
      "aaa|0x9747b28c|0x283E0130",
      "aaaa|0x9747b28c|0x5A97808A",
      "Hello, world!|0x9747b28c|0x24884CBA",
      "The quick brown fox jumps over the lazy dog|0x9747b28c|0x2FA826CD",
      "The quick brown fox jumps over the lazy dog|0x00000000|0x2E4FF723"})
  void published_vectors(String text, String seed, String expected) {
    assertThat(hash(text, Integer.parseUnsignedInt(seed.substring(2), 16)))
        .isEqualTo(Integer.parseUnsignedInt(expected.substring(2), 16));
  }

  @Test
  void four_zero_bytes_and_a_multibyte_string() {
    assertThat(Murmur3.hash32(new byte[4], 0, 4, 0)).isEqualTo(0x2362F9DE);
    // π as UTF-8 (cf 80) repeated: exercises bytes above 0x7f in blocks and in the tail
    assertThat(hash("ππππ", 0x9747b28c)).isEqualTo(Hashing.murmur3_32_fixed(0x9747b28c)
        .hashString("ππππ", StandardCharsets.UTF_8).asInt());
  }

  @Test
  void agrees_with_guava_on_random_bytes_of_every_length_up_to_64() {
    var random = new SplittableRandom(42);
    for (int i = 0; i < 10_000; i++) {
      byte[] b = new byte[i % 65];
      random.nextBytes(b);
      int seed = random.nextInt();
      assertThat(Murmur3.hash32(b, 0, b.length, seed)).as("length %d seed %d", b.length, seed)
          .isEqualTo(Hashing.murmur3_32_fixed(seed).hashBytes(b).asInt());
    }
  }

  @Property(tries = 2000)
  void the_streamed_utf8_form_equals_hashing_the_concatenated_bytes(@ForAll String salt, @ForAll String key) {
    byte[] joined = (salt + ":" + key).getBytes(StandardCharsets.UTF_8);
    assertThat(Murmur3.hash32Utf8(salt, ':', key, 0)).isEqualTo(Murmur3.hash32(joined, 0, joined.length, 0));
  }

  @Test
  void lone_surrogates_and_astral_characters_stream_as_the_jdk_encodes_them() {
    for (String s : new String[] {"\uD83D\uDE00", "\uD83D", "\uDE00x", "x\uD83D", "é漢\uD83D\uDE00\uDE00"}) {
      byte[] joined = ("salt:" + s).getBytes(StandardCharsets.UTF_8);
      assertThat(Murmur3.hash32Utf8("salt", ':', s, 0)).as(s).isEqualTo(Murmur3.hash32(joined, 0, joined.length, 0));
    }
  }
}
