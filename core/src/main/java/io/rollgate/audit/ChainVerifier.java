package io.rollgate.audit;

/**
 * Walks journal entries in order and reports the first that breaks the chain: a gap in sequence
 * numbers, a {@code prevHash} that is not the previous hash, or a hash that does not match the content.
 * Feed entries with {@link #accept}; read the verdict with {@link #result}.
 */
public final class ChainVerifier {
  private long entries;
  private long expectedSeq;
  private String headHash;
  private Long firstBadSeq;
  private String problem;

  /** Verifies a chain from its first entry. */
  public ChainVerifier() {
    this(0, JournalEntry.GENESIS_HASH);
  }

  /**
   * Verifies the rest of a chain whose prefix up to {@code afterSeq} (ending in {@code afterHash})
   * was verified before: the next entry must be {@code afterSeq + 1} and link to {@code afterHash}.
   */
  public ChainVerifier(long afterSeq, String afterHash) {
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq must not be negative, got " + afterSeq);
    }
    this.expectedSeq = afterSeq + 1;
    this.headHash = java.util.Objects.requireNonNull(afterHash, "afterHash");
  }

  /** Returns false once the chain is broken (further entries are counted but not checked). */
  public boolean accept(JournalEntry e) {
    entries++;
    if (firstBadSeq != null) {
      return false;
    }
    if (e.seq() != expectedSeq) {
      // the missing seq is the first bad one: everything before firstBadSeq verified
      fail(expectedSeq, "expected seq " + expectedSeq + " but found " + e.seq());
    } else if (!e.prevHash().equals(headHash)) {
      fail(e.seq(), "entry " + e.seq() + " links to " + abbrev(e.prevHash()) + " but the previous hash is "
          + abbrev(headHash));
    } else if (!e.recomputeHash().equals(e.hash())) {
      fail(e.seq(), "entry " + e.seq() + " content does not match its hash " + abbrev(e.hash()));
    } else {
      headHash = e.hash();
      expectedSeq++;
      return true;
    }
    return false;
  }

  /** Checks that the stored head (seq, hash) matches the last verified entry. */
  public void checkHead(long headSeq, String storedHeadHash) {
    if (firstBadSeq == null && (headSeq != expectedSeq - 1 || !storedHeadHash.equals(headHash))) {
      fail(Math.min(headSeq, expectedSeq), "journal head says seq " + headSeq + " hash " + abbrev(storedHeadHash)
          + " but the chain ends at seq " + (expectedSeq - 1) + " hash " + abbrev(headHash));
    }
  }

  private void fail(long seq, String why) {
    firstBadSeq = seq;
    problem = why;
  }

  public Result result() {
    return new Result(firstBadSeq == null, entries, headHash, firstBadSeq, problem, verifiedSeq());
  }

  /** Sequence number of the last entry that verified (the starting point when none did). */
  public long verifiedSeq() {
    return expectedSeq - 1;
  }

  /**
   * {@code entries} counts the entries read, {@code headHash} is the hash of the last entry that
   * verified and {@code verifiedSeq} its sequence number.
   */
  public record Result(boolean ok, long entries, String headHash, Long firstBadSeq, String problem,
      long verifiedSeq) {}

  private static String abbrev(String h) {
    return h == null ? "null" : h.length() > 12 ? h.substring(0, 12) + "…" : h;
  }
}
