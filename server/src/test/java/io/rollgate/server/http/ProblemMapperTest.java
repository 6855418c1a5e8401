package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import io.rollgate.error.ConflictException;
import io.rollgate.error.ForbiddenException;
import io.rollgate.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Core's exceptions become the documented problem documents (rules that no route exercises yet included). */
class ProblemMapperTest {
  private static Javalin app;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    app = Javalin.create(c -> c.showJavalinBanner = false);
    ProblemMapper.install(app);
    app.get("/forbidden", ctx -> {
      throw new ForbiddenException("'alice' authored rollout r-1 and may not approve it (four-eyes)");
    });
    app.get("/conflict", ctx -> {
      throw new ConflictException("cannot pause: rollout cannot go from PAUSED to PAUSED");
    });
    app.start("127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    app.stop();
  }

  @ParameterizedTest
  @CsvSource({"/forbidden,403,forbidden,four-eyes", "/conflict,409,conflict,PAUSED to PAUSED"})
  void exceptions_map_to_their_status_and_problem_type(String path, int status, String slug, String detail)
      throws Exception {
    var r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
        v -> assertThat(v).startsWith(Problem.MEDIA_TYPE));
    var body = Json.mapper().readTree(r.body());
    assertThat(body.path("type").asText()).isEqualTo(Problem.BASE + slug);
    assertThat(body.path("status").asInt()).isEqualTo(status);
    assertThat(body.path("detail").asText()).contains(detail);
  }
}
