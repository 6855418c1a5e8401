package io.rollgate.server.notify.fake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fakes refuse what the real services refuse, in the real services' words. */
class FakeContractTest {
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpRequest.Builder github(FakeGitHub gh, String token, String body) {
    return HttpRequest.newBuilder(URI.create(gh.baseUrl() + "/repos/acme/ops/issues"))
        .header("Authorization", "Bearer " + token).header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28").header("User-Agent", "t").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  @Test
  void github() throws Exception {
    try (var gh = new FakeGitHub("acme", "ops", "tok")) {
      var ok = send(github(gh, "tok", "{\"title\":\"x\",\"labels\":[\"a\"]}"));
      assertThat(ok.statusCode()).isEqualTo(201);
      assertThat(ok.headers().firstValue("Location")).hasValue(gh.baseUrl() + "/repos/acme/ops/issues/1347");
      assertThat(ok.headers().firstValue("x-ratelimit-remaining")).isPresent();
      assertThat(ok.body()).contains("\"number\":1347").contains("\"html_url\":\"https://github.com/acme/ops/issues/1347\"");
      assertThat(send(github(gh, "bad", "{\"title\":\"x\"}")).body()).contains("Bad credentials");
      var noTitle = send(github(gh, "tok", "{\"body\":\"x\"}"));
      assertThat(noTitle.statusCode()).isEqualTo(422);
      assertThat(noTitle.body()).contains("Validation Failed").contains("missing_field");
      var noUa = send(HttpRequest.newBuilder(URI.create(gh.baseUrl() + "/repos/acme/ops/issues"))
          .header("Authorization", "Bearer tok").header("Accept", "application/vnd.github+json")
          .header("X-GitHub-Api-Version", "2022-11-28").header("User-Agent", "")
          .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"x\"}")));
      assertThat(noUa.statusCode()).isIn(403, 401); // the JDK may drop an empty header, then the token check answers
      assertThat(send(HttpRequest.newBuilder(URI.create(gh.baseUrl() + "/repos/acme/ops/issues"))
          .header("Authorization", "Bearer tok").header("User-Agent", "t").header("X-GitHub-Api-Version", "2022-11-28")
          .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"x\"}")))
          .statusCode()).isEqualTo(415);
      assertThat(send(github(gh, "tok", "{oops")).statusCode()).isEqualTo(400);
      assertThat(send(HttpRequest.newBuilder(URI.create(gh.baseUrl() + "/repos/acme/other/issues"))
          .header("User-Agent", "t").POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode()).isEqualTo(404);
      gh.script("create", FakeServer.Reply.status(429, "{}", java.util.Map.of("Retry-After", "7")));
      var limited = send(github(gh, "tok", "{\"title\":\"x\"}"));
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");
      assertThat(gh.issues()).hasSize(1);
    }
  }

  @Test
  void slack() throws Exception {
    try (var slack = new FakeSlack()) {
      var ok = send(HttpRequest.newBuilder(URI.create(slack.webhookUrl())).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"hi\"}")));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("ok");
      assertThat(ok.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
      var noText = send(HttpRequest.newBuilder(URI.create(slack.webhookUrl())).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"x\":1}")));
      assertThat(noText.statusCode()).isEqualTo(400);
      assertThat(noText.body()).isEqualTo("no_text");
      assertThat(send(HttpRequest.newBuilder(URI.create(slack.webhookUrl())).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("text=hi"))).body()).isEqualTo("invalid_payload");
      assertThat(send(HttpRequest.newBuilder(URI.create(slack.baseUrl() + "/services/T/B/revoked"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"x\"}"))).body())
          .isEqualTo("no_service");
      assertThat(slack.messages()).hasSize(1);
    }
  }

  @Test
  void gitlab_and_jira() throws Exception {
    try (var gl = new FakeGitLab(4, "g/p", "tok"); var jira = new FakeJira("OPS", "a@b.c", "tok")) {
      var glOk = send(HttpRequest.newBuilder(URI.create(gl.baseUrl() + "/api/v4/projects/4/issues"))
          .header("PRIVATE-TOKEN", "tok").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"x\",\"labels\":\"incident,sev1\"}")));
      assertThat(glOk.statusCode()).isEqualTo(201);
      assertThat(glOk.body()).contains("\"iid\":14").contains("\"state\":\"opened\"").contains("\"short\":\"#14\"");
      assertThat(send(HttpRequest.newBuilder(URI.create(gl.baseUrl() + "/api/v4/projects/4/issues"))
          .header("PRIVATE-TOKEN", "tok").POST(HttpRequest.BodyPublishers.ofString("{\"description\":\"x\"}"))).body())
          .contains("title is missing");
      assertThat(send(HttpRequest.newBuilder(URI.create(gl.baseUrl() + "/api/v4/projects/4/issues"))
          .header("PRIVATE-TOKEN", "bad").POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"x\"}"))).statusCode())
          .isEqualTo(401);

      String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("a@b.c:tok".getBytes());
      var stringDescription = send(HttpRequest.newBuilder(URI.create(jira.baseUrl() + "/rest/api/3/issue"))
          .header("Authorization", basic).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"fields\":{\"project\":{\"key\":\"OPS\"},\"issuetype\":{\"name\":\"Bug\"},"
              + "\"summary\":\"x\",\"description\":\"plain text\"}}")));
      assertThat(stringDescription.statusCode()).isEqualTo(400);
      assertThat(stringDescription.body()).contains("\"errors\":{\"description\":\"Operation value must be an Atlassian Document");
      var ok = send(HttpRequest.newBuilder(URI.create(jira.baseUrl() + "/rest/api/3/issue"))
          .header("Authorization", basic).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"fields\":{\"project\":{\"key\":\"OPS\"},\"issuetype\":{\"name\":\"Bug\"},"
              + "\"summary\":\"x\",\"description\":{\"type\":\"doc\",\"version\":1,\"content\":[]}}}")));
      assertThat(ok.statusCode()).isEqualTo(201);
      assertThat(ok.body()).contains("\"key\":\"OPS-24\"").contains("\"self\":");
      assertThat(send(HttpRequest.newBuilder(URI.create(jira.baseUrl() + "/rest/api/3/issue"))
          .header("Authorization", "Basic eA==").POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode()).isEqualTo(401);
    }
  }
}
