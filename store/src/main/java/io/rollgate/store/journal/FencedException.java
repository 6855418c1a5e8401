package io.rollgate.store.journal;

/**
 * A leader action from a replica that is no longer the leader: its fencing epoch is not the one in
 * the database. The journal writer refused the command before running it; nothing was applied.
 */
public final class FencedException extends RuntimeException {
  private final long commandEpoch;
  private final long currentEpoch;

  FencedException(long commandEpoch, long currentEpoch) {
    super("fenced: this leader action carries epoch " + commandEpoch + " but the cluster is at epoch "
        + currentEpoch + "; another replica was elected, so the command was refused and not applied");
    this.commandEpoch = commandEpoch;
    this.currentEpoch = currentEpoch;
  }

  public long commandEpoch() {
    return commandEpoch;
  }

  public long currentEpoch() {
    return currentEpoch;
  }
}
