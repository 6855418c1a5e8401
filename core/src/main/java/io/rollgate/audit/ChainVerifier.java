package io.rollgate.audit;

/**
 * Walks journal entries in order and reports the first that breaks the chain: a gap in sequence
 * numbers, a {@code prevHash} that is not the previous hash, or a hash that does not match the content.
 * Feed entries with {@link #accept}; read the verdict with {@link #result}.
 */
public final class ChainVerifier {
  private long entries;
  private long expectedSeq = 1;
  private String headHash = JournalEntry.GENESIS_HASH;
  private Long firstBadSeq;
  private String problem;

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
    return new Result(firstBadSeq == null, entries, headHash, firstBadSeq, problem);
  }

  /** {@code headHash} is the hash of the last entry that verified. */
  public record Result(boolean ok, long entries, String headHash, Long firstBadSeq, String problem) {}

  private static String abbrev(String h) {
    return h == null ? "null" : h.length() > 12 ? h.substring(0, 12) + "…" : h;
  }
}
