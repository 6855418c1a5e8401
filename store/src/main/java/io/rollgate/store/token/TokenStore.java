package io.rollgate.store.token;

import io.rollgate.error.ConflictException;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/**
 * API tokens. A token is 32 random bytes; only its SHA-256 is stored (a slow hash would add nothing
 * for 256 bits of entropy and would cost every request). Creation is journaled without the token.
 */
public final class TokenStore {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final SecureRandom RANDOM = new SecureRandom();
  public static final String PREFIX = "rg_";

  private final Jdbi reads;
  private final Journal journal;

  public TokenStore(Database db, Journal journal) {
    this.reads = db.reads();
    this.journal = journal;
  }

  /** A created token: the secret is returned once and never again. */
  public record Created(String id, String name, Role role, String token) {}

  public Created create(String name, Role role, String actor) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidInputException("name", "token name must match [A-Za-z0-9][A-Za-z0-9._@-]{0,63}, got "
          + (name == null ? "nothing" : "'" + (name.length() > 80 ? name.substring(0, 80) + "…" : name) + "'"));
    }
    return insert(name, role, actor, newSecret());
  }

  /** Stores a given secret (the first admin token from ROLLGATE_ADMIN_TOKEN). */
  public Created createWithSecret(String name, Role role, String actor, String secret) {
    if (secret == null || secret.length() < 16) {
      throw new InvalidInputException("token", "a token must be at least 16 characters long");
    }
    return insert(name, role, actor, secret);
  }

  private Created insert(String name, Role role, String actor, String secret) {
    String id = UUID.randomUUID().toString();
    String hash = Canonical.sha256Hex(secret);
    journal.execute(tx -> {
      if (exists(tx.handle(), "name", name)) {
        throw new ConflictException("a token named '" + name + "' already exists");
      }
      if (exists(tx.handle(), "token_hash", hash)) {
        throw new ConflictException("this token secret is already registered under another name");
      }
      tx.handle().createUpdate("""
              INSERT INTO api_tokens (id, name, role, token_hash, created_at, created_by)
              VALUES (:id, :name, :role, :hash, :now, :by)
              """)
          .bind("id", id).bind("name", name).bind("role", role.wire()).bind("hash", hash)
          .bind("now", tx.now().toEpochMilli()).bind("by", actor).execute();
      return tx.append("token.created", "token:" + name, actor,
          Json.object().put("id", id).put("name", name).put("role", role.wire()));
    });
    return new Created(id, name, role, secret);
  }

  private static boolean exists(org.jdbi.v3.core.Handle h, String column, String value) {
    return h.createQuery("SELECT COUNT(*) FROM api_tokens WHERE " + column + " = :v")
        .bind("v", value).mapTo(Integer.class).one() > 0;
  }

  /**
   * The principal a presented secret belongs to. Safe against timing attacks without a
   * constant-time comparison: the secret itself is never compared with anything. It is hashed
   * (SHA-256 takes the same time for any content of a given length) and the hash is looked up by
   * equality in the database. However long that lookup takes reveals at most how far the
   * attacker's <em>hash</em> matches a stored hash, and choosing a hash prefix does not help
   * choosing a secret (that would be a SHA-256 preimage). No secret or hash is compared in Java;
   * anything that ever must compare secrets here uses {@link java.security.MessageDigest#isEqual}.
   * The length bound only refuses absurd inputs before hashing; tokens Rollgate generates have 46 characters.
   */
  public Optional<Principal> authenticate(String secret) {
    if (secret == null || secret.isEmpty() || secret.length() > 512) {
      return Optional.empty();
    }
    String hash = Canonical.sha256Hex(secret);
    return reads.withHandle(h -> h.createQuery("SELECT name, role FROM api_tokens WHERE token_hash = :h")
        .bind("h", hash)
        .map((rs, ctx) -> new Principal(rs.getString("name"), Role.parse(rs.getString("role"), "role")))
        .findOne());
  }

  /** A token's id with its principal: what a dashboard session is bound to (the id, never the secret). */
  public record Identified(String id, Principal principal) {}

  /**
   * Like {@link #authenticate}, with the token's id: the dashboard's sign-in, which then keeps only the
   * id in its signed cookie.
   */
  public Optional<Identified> identify(String secret) {
    if (secret == null || secret.isEmpty() || secret.length() > 512) {
      return Optional.empty();
    }
    String hash = Canonical.sha256Hex(secret);
    return reads.withHandle(h -> h.createQuery("SELECT id, name, role FROM api_tokens WHERE token_hash = :h")
        .bind("h", hash)
        .map((rs, ctx) -> new Identified(rs.getString("id"),
            new Principal(rs.getString("name"), Role.parse(rs.getString("role"), "role"))))
        .findOne());
  }

  /** The principal of token {@code id} as it is now (its role may have changed); empty once it no longer exists. */
  public Optional<Principal> principalById(String id) {
    if (id == null || id.isEmpty() || id.length() > 128) {
      return Optional.empty();
    }
    return reads.withHandle(h -> h.createQuery("SELECT name, role FROM api_tokens WHERE id = :id").bind("id", id)
        .map((rs, ctx) -> new Principal(rs.getString("name"), Role.parse(rs.getString("role"), "role")))
        .findOne());
  }

  public boolean anyAdmin() {
    return reads.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM api_tokens WHERE role = 'admin'")
        .mapTo(Integer.class).one() > 0);
  }

  public static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
