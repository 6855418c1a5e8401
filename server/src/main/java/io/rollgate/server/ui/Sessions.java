package io.rollgate.server.ui;

import io.rollgate.store.journal.Journal;
import io.rollgate.store.token.Principal;
import io.rollgate.store.token.TokenStore;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Dashboard sessions as signed, expiring cookies: no server-side session map, so a session survives a
 * restart and is accepted by every replica on the same database. The cookie holds the token's id (never
 * its secret), an expiry and a random session id, signed with HMAC-SHA256 under a key kept in the
 * database ({@code ui_session_key}). Every request looks the token id up again, so a token that no
 * longer exists loses its sessions, and its role is read fresh.
 *
 * <p>The login form has no session yet, so its CSRF token is a signed double submit: {@code GET
 * /ui/login} sets a random nonce in a cookie ({@link #LOGIN_COOKIE}, only sent to {@code /ui/login}) and
 * puts {@code HMAC(key, "login|" + nonce)} in the form. A cross-site page can neither read the cookie
 * nor compute the HMAC, so it cannot sign a victim in under the attacker's token (login CSRF).
 */
final class Sessions {
  static final String COOKIE = "rollgate_session";
  static final String LOGIN_COOKIE = "rollgate_login";
  static final java.time.Duration LOGIN_TTL = java.time.Duration.ofHours(1);
  static final Duration TTL = Duration.ofHours(12);
  private static final String VERSION = "v1";
  private static final Pattern PART = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final byte[] key;
  private final TokenStore tokens;
  private final InstantSource clock;

  Sessions(byte[] key, TokenStore tokens, InstantSource clock) {
    if (key.length < 32) {
      throw new IllegalArgumentException("the session key must have at least 32 bytes, got " + key.length);
    }
    this.key = key.clone();
    this.tokens = tokens;
    this.clock = clock;
  }

  /**
   * Reads the key, creating it on first use. A bookkeeping write through the journal writer (it is
   * the one writer on SQLite) without a journal entry: the key is a secret, not a change to audit.
   * {@code ON CONFLICT DO NOTHING} then a read: two replicas starting at once end up with the same key.
   */
  static Sessions open(TokenStore tokens, Journal journal, InstantSource clock) {
    String secret = journal.execute(tx -> {
      tx.handle().createUpdate("INSERT INTO ui_session_key (id, secret, created_at) VALUES (1, :s, :now) "
              + "ON CONFLICT (id) DO NOTHING")
          .bind("s", B64.encodeToString(random(32))).bind("now", tx.now().toEpochMilli()).execute();
      return tx.handle().createQuery("SELECT secret FROM ui_session_key WHERE id = 1").mapTo(String.class).one();
    });
    return new Sessions(Base64.getUrlDecoder().decode(secret), tokens, clock);
  }

  /** Who a valid session belongs to, and the session's own id (what its CSRF token is bound to). */
  record Session(String tokenId, Principal principal, String sessionId, Instant expiresAt) {}

  /** The token a presented secret belongs to (the login form), with its id; empty when unknown. */
  Optional<Session> login(String secret) {
    if (secret == null || secret.isBlank() || secret.length() > 512) {
      return Optional.empty();
    }
    return tokens.identify(secret.strip()).map(t -> new Session(t.id(), t.principal(), B64.encodeToString(random(18)),
        clock.instant().plus(TTL)));
  }

  /** The cookie value for {@code s}: {@code v1.tokenId.expiresEpochSeconds.sessionId.signature}. */
  String cookie(Session s) {
    String body = VERSION + "." + B64.encodeToString(s.tokenId().getBytes(StandardCharsets.UTF_8)) + "."
        + s.expiresAt().getEpochSecond() + "." + s.sessionId();
    return body + "." + B64.encodeToString(mac("session|" + body));
  }

  /** The session a cookie stands for: empty when missing, malformed, forged, expired, or its token is gone. */
  Optional<Session> verify(String cookie) {
    if (cookie == null || cookie.length() > 600) {
      return Optional.empty();
    }
    String[] parts = cookie.split("\\.", -1);
    if (parts.length != 5 || !VERSION.equals(parts[0])) {
      return Optional.empty();
    }
    for (int i = 1; i < 5; i++) {
      if (!PART.matcher(parts[i]).matches()) {
        return Optional.empty();
      }
    }
    String body = String.join(".", parts[0], parts[1], parts[2], parts[3]);
    byte[] presented;
    try {
      presented = Base64.getUrlDecoder().decode(parts[4]);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    // only the one encoding the server writes: the last character of a 32-byte value carries 2 unused bits,
    // so without this, four spellings of every signature would verify
    if (!B64.encodeToString(presented).equals(parts[4]) || !MessageDigest.isEqual(presented, mac("session|" + body))) {
      return Optional.empty();
    }
    Instant expires;
    try {
      expires = Instant.ofEpochSecond(Long.parseLong(parts[2]));
    } catch (NumberFormatException | java.time.DateTimeException e) {
      return Optional.empty();
    }
    if (!clock.instant().isBefore(expires)) {
      return Optional.empty();
    }
    String tokenId;
    try {
      tokenId = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    Optional<Principal> p = tokens.principalById(tokenId);
    return p.map(principal -> new Session(tokenId, principal, parts[3], expires));
  }

  /** The synchronizer token of a session: only the server can compute it, and it changes with every sign-in. */
  String csrfToken(Session s) {
    return B64.encodeToString(mac("csrf|" + s.sessionId()));
  }

  boolean csrfValid(Session s, String presented) {
    if (presented == null || presented.isEmpty() || presented.length() > 100) {
      return false;
    }
    return MessageDigest.isEqual(csrfToken(s).getBytes(StandardCharsets.US_ASCII),
        presented.getBytes(StandardCharsets.UTF_8));
  }

  /** A fresh nonce for the login form's cookie. */
  static String loginNonce() {
    return B64.encodeToString(random(18));
  }

  /** The login form's token for the nonce in its cookie; null when the cookie holds no well-formed nonce. */
  String loginToken(String nonce) {
    if (nonce == null || !PART.matcher(nonce).matches()) {
      return null;
    }
    return B64.encodeToString(mac("login|" + nonce));
  }

  /** True when {@code presented} is the login token of the nonce in the login cookie. */
  boolean loginTokenValid(String nonce, String presented) {
    String expected = loginToken(nonce);
    if (expected == null || presented == null || presented.length() > 100) {
      return false;
    }
    return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        presented.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] mac(String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
