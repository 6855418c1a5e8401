package io.rollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.TestDatabases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DatabaseSmokeTest {
  @ParameterizedTest
  @EnumSource(Dialect.class)
  void migrates_and_answers_health_check(Dialect dialect) {
    try (var db = TestDatabases.open(dialect)) {
      assertThat(db.dialect()).isEqualTo(dialect);
      assertThat(db.check()).isNull();
    }
  }
}
