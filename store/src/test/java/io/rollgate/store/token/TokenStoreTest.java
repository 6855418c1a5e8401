package io.rollgate.store.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.audit.JournalEntry;
import io.rollgate.error.ConflictException;
import io.rollgate.error.InvalidInputException;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.Sha;
import io.rollgate.store.testing.StoreFixture;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class TokenStoreTest {
  @Parameter
  Dialect dialect;

  private StoreFixture fx;
  private TokenStore tokens;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    tokens = fx.tokens();
  }

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void a_created_token_authenticates_with_its_role_and_is_journaled_as_token_created() {
    TokenStore.Created created = tokens.create("ci-bot", Role.OPERATOR, "root");

    assertThat(created.name()).isEqualTo("ci-bot");
    assertThat(created.role()).isEqualTo(Role.OPERATOR);
    assertThat(created.token()).startsWith(TokenStore.PREFIX).hasSize(TokenStore.PREFIX.length() + 43);
    assertThat(tokens.authenticate(created.token())).contains(new Principal("ci-bot", Role.OPERATOR));
    assertThat(tokens.authenticate(created.token() + "x")).isEmpty();
    assertThat(tokens.authenticate(created.token().substring(1))).isEmpty();
    assertThat(tokens.authenticate("")).isEmpty();
    assertThat(tokens.authenticate(null)).isEmpty();
    assertThat(tokens.anyAdmin()).isFalse();

    List<JournalEntry> entries = fx.entries();
    assertThat(entries).hasSize(1);
    JournalEntry e = entries.get(0);
    assertThat(e.type()).isEqualTo("token.created");
    assertThat(e.subject()).isEqualTo("token:ci-bot");
    assertThat(e.actor()).isEqualTo("root");
    assertThat(e.payload().get("id").asText()).isEqualTo(created.id());
    assertThat(e.payload().get("name").asText()).isEqualTo("ci-bot");
    assertThat(e.payload().get("role").asText()).isEqualTo("operator");
    // the row and its entry committed together
    assertThat(fx.queryLong("SELECT created_at FROM api_tokens WHERE id = ?", created.id()))
        .isEqualTo(e.recordedAt().toEpochMilli());
  }

  @Test
  void the_token_secret_never_appears_in_the_journal_nor_in_the_token_table() {
    TokenStore.Created admin = tokens.create("admin-1", Role.ADMIN, "bootstrap");
    String given = "a-given-secret-of-enough-length";
    tokens.createWithSecret("env-admin", Role.ADMIN, "bootstrap", given);

    assertThat(tokens.authenticate(given)).contains(new Principal("env-admin", Role.ADMIN));
    assertThat(tokens.anyAdmin()).isTrue();
    String journalText = String.join("\n", fx.db().reads().<List<String>, RuntimeException>withHandle(h -> h.createQuery(
            "SELECT type || '|' || subject || '|' || actor || '|' || payload || '|' || prev_hash || '|' || hash FROM journal")
        .mapTo(String.class).list()));
    String tokenText = String.join("\n", fx.db().reads().<List<String>, RuntimeException>withHandle(h -> h.createQuery(
            "SELECT id || '|' || name || '|' || role || '|' || token_hash || '|' || created_by FROM api_tokens")
        .mapTo(String.class).list()));
    assertThat(journalText).contains("token.created").contains("admin-1").contains("env-admin");
    for (String secret : List.of(admin.token(), admin.token().substring(TokenStore.PREFIX.length()), given)) {
      assertThat(journalText).doesNotContain(secret);
      assertThat(tokenText).doesNotContain(secret);
      // not even the stored verifier goes into the audit trail
      assertThat(journalText).doesNotContain(Sha.sha256(secret));
    }
    assertThat(tokenText).contains(Sha.sha256(admin.token())).contains(Sha.sha256(given));
  }

  @Test
  void a_duplicate_token_name_is_a_conflict_that_changes_nothing() {
    TokenStore.Created first = tokens.create("ci-bot", Role.VIEWER, "root");
    var head = fx.reader().head();

    assertThatThrownBy(() -> tokens.create("ci-bot", Role.ADMIN, "root"))
        .isInstanceOf(ConflictException.class)
        .hasMessage("a token named 'ci-bot' already exists");

    assertThat(fx.reader().head()).isEqualTo(head);
    assertThat(fx.queryLong("SELECT COUNT(*) FROM api_tokens")).isEqualTo(1);
    assertThat(tokens.authenticate(first.token())).contains(new Principal("ci-bot", Role.VIEWER));
    assertThat(tokens.anyAdmin()).isFalse();

    // the same secret under another name is a conflict too, and says so
    assertThatThrownBy(() -> tokens.createWithSecret("other", Role.VIEWER, "root", first.token()))
        .isInstanceOf(ConflictException.class)
        .hasMessage("this token secret is already registered under another name");
    assertThat(fx.reader().head()).isEqualTo(head);
  }

  @Test
  void an_invalid_name_or_short_secret_is_rejected_before_anything_is_journaled() {
    assertThatThrownBy(() -> tokens.create("-starts-with-dash", Role.VIEWER, "root"))
        .isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("name"));
    assertThatThrownBy(() -> tokens.create(null, Role.VIEWER, "root")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> tokens.createWithSecret("env-admin", Role.ADMIN, "root", "short"))
        .isInstanceOf(InvalidInputException.class);

    assertThat(fx.reader().count()).isZero();
    assertThat(fx.queryLong("SELECT COUNT(*) FROM api_tokens")).isZero();
  }

  @Test
  void identify_returns_the_tokens_id_and_principal_by_id_reads_it_fresh() {
    TokenStore.Created created = tokens.create("dash", Role.ADMIN, "root");
    assertThat(tokens.identify(created.token()))
        .contains(new TokenStore.Identified(created.id(), new Principal("dash", Role.ADMIN)));
    assertThat(tokens.identify(created.token() + "x")).isEmpty();
    assertThat(tokens.identify(null)).isEmpty();
    assertThat(tokens.principalById(created.id())).contains(new Principal("dash", Role.ADMIN));
    assertThat(tokens.principalById("00000000-0000-0000-0000-000000000000")).isEmpty();
    assertThat(tokens.principalById(null)).isEmpty();
    assertThat(tokens.principalById("x".repeat(129))).isEmpty();
  }
}
