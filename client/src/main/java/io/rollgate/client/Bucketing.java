package io.rollgate.client;

/**
 * The server's bucketing, copied so that the SDK needs nothing but the JDK and Jackson:
 * {@code murmur3_32("{salt}:{subjectKey}")} (MurmurHash3 x86_32, seed 0, over the UTF-8 bytes,
 * an unpaired surrogate encoded as '?' as {@code String.getBytes(UTF_8)} does) read as an unsigned
 * number, mod 10,000. A subject gets the candidate when its bucket is below the stage's basis points.
 * Proven identical to the server by the shared vectors in
 * {@code core/src/test/resources/bucketing/vectors.tsv}.
 *
 * <p>The hash state after {@code "{salt}:"} is the same for every subject of a rollout, so it is
 * computed once ({@link Prefix}) and each evaluation hashes only the subject's characters, in local
 * variables: nothing is allocated per call.
 */
final class Bucketing {
  static final int BASIS_POINTS = 10_000;
  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private Bucketing() {}

  /** The running hash after {@code "{salt}:"}: the mixed hash, the partial block, its byte count, the length. */
  record Prefix(int h, int block, int inBlock, int length) {
    static final Prefix SEED_0 = new Prefix(0, 0, 0, 0);
  }

  static Prefix prefix(String salt) {
    return feed(feed(Prefix.SEED_0, salt), ":");
  }

  /** The subject's bucket in [0, 10000). */
  static int bucket(Prefix prefix, String subjectKey) {
    return (int) (Integer.toUnsignedLong(hash32(prefix, subjectKey)) % BASIS_POINTS);
  }

  /** MurmurHash3 x86_32 of the prefix's bytes followed by the UTF-8 encoding of {@code subjectKey}, streamed. */
  static int hash32(Prefix prefix, String subjectKey) {
    int h = prefix.h();
    int block = prefix.block();
    int inBlock = prefix.inBlock();
    int length = prefix.length();
    int n = subjectKey.length();
    for (int i = 0; i < n; i++) {
      char c = subjectKey.charAt(i);
      int bytes;
      int count;
      if (c < 0x80) {
        bytes = c;
        count = 1;
      } else if (c < 0x800) {
        bytes = (0xc0 | (c >>> 6)) | (0x80 | (c & 0x3f)) << 8;
        count = 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(subjectKey.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, subjectKey.charAt(++i));
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
    return finish(h, block, inBlock, length);
  }

  /** The unsigned 32-bit hash of {@code "{salt}:{subjectKey}"}, for the shared vectors. */
  static long hash(String salt, String subjectKey) {
    return Integer.toUnsignedLong(hash32(prefix(salt), subjectKey));
  }

  static int bucket(String salt, String subjectKey) {
    return bucket(prefix(salt), subjectKey);
  }

  /** The hash state after also feeding {@code text}; used once per rollout, so it may allocate. */
  private static Prefix feed(Prefix p, String text) {
    int h = p.h();
    int block = p.block();
    int inBlock = p.inBlock();
    int length = p.length();
    byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (byte b : utf8) {
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
    return new Prefix(h, block, inBlock, length);
  }

  private static int finish(int h, int block, int inBlock, int length) {
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
