package io.rollgate.store.journal;

/**
 * A mutation executed by the journal writer inside the batch transaction. It reads and writes state
 * through {@link Tx#handle()} and records what happened with {@link Tx#append}; both commit
 * together or not at all. Throwing undoes this command alone (savepoint), not its batch.
 */
@FunctionalInterface
public interface Command<R> {
  R execute(Tx tx) throws Exception;
}
