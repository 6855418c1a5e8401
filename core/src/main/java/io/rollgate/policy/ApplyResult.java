package io.rollgate.policy;

import java.util.List;

/**
 * The answer to a proposed change: applied, or skipped with every reason. A skip is an answer, not
 * an error.
 *
 * @param version the policy's version after this call (the new one if applied)
 * @param stateHash the state hash of that version
 * @param oldHash the state hash before this call (null when the policy was created)
 * @param changedKeys JSON pointers that differ between the current and the candidate document
 * @param bytesWritten canonical bytes stored (0 when skipped)
 */
public record ApplyResult(
    String policy, boolean applied, boolean noOp, int version, String stateHash, String oldHash,
    List<String> changedKeys, long bytesWritten, SkipReason skipReason) {}
