package io.rollgate.bench;

/**
 * The floor of {@link SdkEvaluationBenchmark}: MurmurHash3 x86_32 (seed 0) of a key's UTF-8 bytes,
 * with the loop of the SDK's {@code io.rollgate.client.Bucketing#hash32} (which is package-private
 * there) and nothing else: no salt prefix, no lookup, no mod. Checked against Guava's
 * {@code murmur3_32_fixed} in {@code SdkEvaluationCheckTest}.
 */
final class Murmur3Floor {
  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private Murmur3Floor() {}

  static int hash32(String key) {
    int h = 0;
    int block = 0;
    int inBlock = 0;
    int length = 0;
    int n = key.length();
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      int bytes;
      int count;
      if (c < 0x80) {
        bytes = c;
        count = 1;
      } else if (c < 0x800) {
        bytes = (0xc0 | (c >>> 6)) | (0x80 | (c & 0x3f)) << 8;
        count = 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(key.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, key.charAt(++i));
        bytes = (0xf0 | (cp >>> 18)) | (0x80 | ((cp >>> 12) & 0x3f)) << 8 | (0x80 | ((cp >>> 6) & 0x3f)) << 16
            | (0x80 | (cp & 0x3f)) << 24;
        count = 4;
      } else if (Character.isSurrogate(c)) {
        bytes = '?';
        count = 1;
      } else {
        bytes = (0xe0 | (c >>> 12)) | (0x80 | ((c >>> 6) & 0x3f)) << 8 | (0x80 | (c & 0x3f)) << 16;
        count = 3;
      }
      for (int k = 0; k < count; k++) {
        block |= ((bytes >>> (8 * k)) & 0xff) << (8 * inBlock);
        length++;
        if (++inBlock == 4) {
          h ^= mixK(block);
          h = Integer.rotateLeft(h, 13);
          h = h * 5 + 0xe6546b64;
          block = 0;
          inBlock = 0;
        }
      }
    }
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
