package io.rollgate.policy;

/**
 * Why a change was not applied: every guard that fired, and a note naming the highest-priority one
 * (freeze > oscillation > velocity > cooldown > no-op).
 */
public record SkipReason(
    boolean freeze, boolean oscillation, boolean velocity, boolean cooldown, boolean noOp, String note) {}
