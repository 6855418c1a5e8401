package io.rollgate.rollout;

/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain), streamed over the UTF-8 encoding of text
 * without building the string or its bytes. Hand-written because it is the bucketing hot path
 * (DESIGN.md §4): the SDK evaluates it on every call, and a library would need a concatenated
 * String and a byte[] per call. Pinned by published test vectors and cross-checked against
 * Guava's {@code murmur3_32_fixed} in the tests.
 */
final class Murmur3 {
  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private Murmur3() {}

  /** The hash of {@code data[offset, offset+length)}. */
  static int hash32(byte[] data, int offset, int length, int seed) {
    var h = new State(seed);
    for (int i = offset; i < offset + length; i++) {
      h.add(data[i]);
    }
    return h.finish();
  }

  /**
   * The hash of the UTF-8 encoding of {@code first + separator + second}, as
   * {@code String.getBytes(UTF_8)} would encode it (an unpaired surrogate becomes '?'), with no copy.
   */
  static int hash32Utf8(CharSequence first, char separator, CharSequence second, int seed) {
    var h = new State(seed);
    addUtf8(h, first);
    addChar(h, separator);
    addUtf8(h, second);
    return h.finish();
  }

  private static void addUtf8(State h, CharSequence s) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        h.add((byte) (0xf0 | (cp >>> 18)));
        h.add((byte) (0x80 | ((cp >>> 12) & 0x3f)));
        h.add((byte) (0x80 | ((cp >>> 6) & 0x3f)));
        h.add((byte) (0x80 | (cp & 0x3f)));
      } else {
        addChar(h, c);
      }
    }
  }

  /** One BMP char; a lone surrogate is encoded as '?', as the JDK's UTF-8 encoder replaces it. */
  private static void addChar(State h, char c) {
    if (c < 0x80) {
      h.add((byte) c);
    } else if (c < 0x800) {
      h.add((byte) (0xc0 | (c >>> 6)));
      h.add((byte) (0x80 | (c & 0x3f)));
    } else if (Character.isSurrogate(c)) {
      h.add((byte) '?');
    } else {
      h.add((byte) (0xe0 | (c >>> 12)));
      h.add((byte) (0x80 | ((c >>> 6) & 0x3f)));
      h.add((byte) (0x80 | (c & 0x3f)));
    }
  }

  /** The running hash: whole 4-byte little-endian blocks are mixed in as they fill; the tail at the end. */
  private static final class State {
    private int h;
    private int block;
    private int inBlock;
    private int length;

    State(int seed) {
      this.h = seed;
    }

    void add(byte b) {
      block |= (b & 0xff) << (8 * inBlock);
      length++;
      if (++inBlock == 4) {
        h ^= mixK(block);
        h = Integer.rotateLeft(h, 13);
        h = h * 5 + 0xe6546b64;
        block = 0;
        inBlock = 0;
      }
    }

    int finish() {
      if (inBlock > 0) {
        h ^= mixK(block);
      }
      h ^= length;
      h ^= h >>> 16;
      h *= 0x85ebca6b;
      h ^= h >>> 13;
      h *= 0xc2b2ae35;
      h ^= h >>> 16;
      return h;
    }

    private static int mixK(int k) {
      k *= C1;
      k = Integer.rotateLeft(k, 15);
      return k * C2;
    }
  }
}
