package io.rollgate.store.token;

/** Who is calling: the token's name (the actor in the journal) and its role. */
public record Principal(String name, Role role) {}
