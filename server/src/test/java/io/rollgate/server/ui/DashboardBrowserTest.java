package io.rollgate.server.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in Debian's Chromium (headless, driven by Debian's chromedriver through Selenium; no
 * browser or driver is ever downloaded). One server and one browser for the class, to stay fast. The
 * rollout loop does not run by itself (tick ZERO): the test moves the clock and ticks it, and the page
 * must show the change through the event stream without a reload. Screenshots go to
 * {@code server/target/screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String STAGES = "\"stages\":["
      + "{\"name\":\"canary\",\"percentage\":10,\"minDurationSeconds\":60,\"maxErrorRate\":0.05},"
      + "{\"name\":\"quarter\",\"percentage\":25,\"minDurationSeconds\":60,\"maxErrorRate\":0.04},"
      + "{\"name\":\"half\",\"percentage\":50,\"minDurationSeconds\":60,\"maxErrorRate\":0.03,\"requiresApproval\":true},"
      + "{\"name\":\"most\",\"percentage\":75,\"minDurationSeconds\":60,\"maxErrorRate\":0.02},"
      + "{\"name\":\"full\",\"percentage\":100,\"minDurationSeconds\":0,\"maxErrorRate\":0.02}],"
      // the thresholds judge: this test watches the page follow a rollout, not a judge (UiHttpTest has the sequential one)
      + "\"analysis\":{\"intervalSeconds\":60,\"minSamples\":10,\"judge\":\"threshold\"}";

  private TestServer server;
  private ChromeDriver driver;
  private Path profile;
  private String alice;
  private String bob;
  private String rolloutId;
  private long incidentId;
  /** An incident whose source is a policy with two versions: its page offers freeze-policy and revert-policy. */
  private long playbookIncident;
  private final Path shots = Path.of("target", "screenshots");

  @BeforeAll
  void start() throws IOException {
    requireBrowser();
    server = TestServer.start();
    alice = server.token("alice", "admin");
    bob = server.token("bob", "admin");
    assertThat(server.send("PUT", "/api/v1/policies/guardian-enforcement", alice,
        "{\"document\":{\"enforce\":false,\"mode\":\"warn\"},\"reason\":\"seed\"}").status()).isEqualTo(201);
    var r = server.send("POST", "/api/v1/rollouts", alice, "{\"policy\":\"guardian-enforcement\","
        + "\"delta\":{\"enforce\":true},\"reason\":\"enforce everywhere\"," + STAGES + "}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    rolloutId = r.json().path("id").asText();
    incidentId = server.server().incidents().signal(new Signal(Kind.GATE_FAILURE, Severity.SEV2, "ci/nightly",
        "nightly gate failed", Json.object().put("verdict", "FAIL"))).incident().id();
    assertThat(server.send("PUT", "/api/v1/policies/checkout-limits", alice,
        "{\"document\":{\"maxRps\":100},\"reason\":\"seed\"}").status()).isEqualTo(201);
    assertThat(server.send("POST", "/api/v1/policies/checkout-limits/changes", alice,
        "{\"delta\":{\"maxRps\":20},\"reason\":\"tighter limits\"}").status()).isEqualTo(200);
    playbookIncident = server.server().incidents().signal(new Signal(Kind.GATE_FAILURE, Severity.SEV2,
        "checkout-limits", "checkout error budget burning after the limits change", Json.object())).incident().id();
    Files.createDirectories(shots);
    profile = Files.createTempDirectory("rollgate-chromium-");
    driver = browser(profile);
  }

  private ChromeDriver browser(Path profile) {
    var options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--window-size=1280,1100", "--user-data-dir=" + profile);
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    var service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  @AfterAll
  void stop() throws IOException {
    if (driver != null) {
      driver.quit();
    }
    if (server != null) {
      server.close();
    }
    deleteTree(profile);
  }

  /** Like the promtool tests: skipped on a developer machine without Chromium, a failure in CI. */
  private static void requireBrowser() {
    if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
      return;
    }
    String message = CHROMIUM + " or " + CHROMEDRIVER + " is missing; install Debian's chromium and "
        + "chromium-driver (apt-get install chromium chromium-driver), as .ci/run does";
    if (System.getenv("CI") != null) {
      fail(message + "; CI is set, so this test must run");
    }
    Assumptions.abort(message);
  }

  @Test
  @Order(1)
  void signs_in_watches_the_rollout_advance_live_and_a_second_admin_approves_what_the_author_cannot() {
    signIn(alice);
    assertThat(driver.getCurrentUrl()).endsWith("/ui");
    open("/ui/rollouts/" + rolloutId);
    assertThat(currentStage()).isEqualTo("canary");
    // a marker that a reload would wipe: the change must arrive through the event stream
    js("window.rollgateMarker = 'no reload';");
    waitForStream();

    tick(1_000, 5); // 0.5% ≤ 5% after canary's 60 s: advance to quarter
    new WebDriverWait(driver, WAIT).until(d -> "quarter".equals(currentStage()));
    assertThat(js("return window.rollgateMarker;")).isEqualTo("no reload");
    assertThat(text("share")).isEqualTo("25%");
    // every check with its judge, statistic, threshold and sentence
    assertThat(text("checks")).as("%s", server.get("/api/v1/rollouts/" + rolloutId, alice).body())
        .contains("threshold", "0.004975", "0.05", "candidate error rate 0.50% ≤ maxErrorRate 5.00%");
    assertThat((Long) js("return document.querySelectorAll('svg.chart circle.dot').length;")).isPositive();
    screenshot("rollout");

    tick(1_000, 5); // quarter passes; half needs an approval
    new WebDriverWait(driver, WAIT).until(d -> "AWAITING_APPROVAL".equals(text("phase")));
    assertThat(js("return window.rollgateMarker;")).isEqualTo("no reload");
    // four-eyes: the author sees no approve button, but can still pause or roll back
    assertThat(driver.findElements(By.id("btn-advance"))).isEmpty();
    assertThat(driver.findElements(By.id("btn-pause"))).hasSize(1);

    signOut();
    signIn(bob);
    open("/ui/rollouts/" + rolloutId);
    driver.findElement(By.id("act-reason")).sendKeys("quarter looks healthy");
    driver.findElement(By.id("btn-advance")).click();
    new WebDriverWait(driver, WAIT).until(d -> "half".equals(currentStage()));
    assertThat(text("transitions")).contains("rollout.advanced").contains("bob");
    assertThat(server.get("/api/v1/rollouts/" + rolloutId, bob).json().path("currentStage").path("name").asText())
        .isEqualTo("half");
  }

  @Test
  @Order(2)
  void an_incident_moves_live_on_a_page_that_another_user_changes_elsewhere() {
    open("/ui/incidents/" + incidentId);
    assertThat(text("state")).isEqualTo("open");
    js("window.rollgateMarker = 'still here';");
    waitForStream();
    var r = server.send("POST", "/api/v1/incidents/" + incidentId + "/acknowledge", alice, "{\"reason\":\"on it\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    new WebDriverWait(driver, WAIT).until(d -> "acknowledged".equals(text("state")));
    assertThat(js("return window.rollgateMarker;")).isEqualTo("still here");
  }

  @Test
  @Order(3)
  void a_live_update_waits_for_a_typed_reason_and_a_playbook_is_dry_run_executed_undone_and_approved_by_another_admin() {
    // bob is signed in (test 1). A live update must not wipe what he is typing: it waits until the field is left clean
    open("/ui/incidents/" + playbookIncident);
    js("window.rollgateMarker = 'typing';");
    waitForStream();
    driver.manage().logs().get(LogType.BROWSER);
    driver.findElement(By.id("inc-reason")).sendKeys("looking into it");
    assertThat(server.send("POST", "/api/v1/incidents/" + playbookIncident + "/acknowledge", alice,
        "{\"reason\":\"on it\"}").status()).isEqualTo(200);
    new WebDriverWait(driver, WAIT).until(d -> Boolean.FALSE.equals(js(
        "return document.getElementById('live-stale').hidden;")));
    assertThat(text("state")).as("deferred while he types").isEqualTo("open");
    assertThat(driver.findElement(By.id("inc-reason")).getDomProperty("value")).isEqualTo("looking into it");
    // the field left clean (WebDriver's clear also leaves the field; blur in case): the deferred update applies
    driver.findElement(By.id("inc-reason")).clear();
    js("if (document.activeElement) { document.activeElement.blur(); }");
    new WebDriverWait(driver, WAIT).until(d -> "acknowledged".equals(text("state")));
    assertThat(js("return window.rollgateMarker;")).isEqualTo("typing");
    assertThat(js("return document.getElementById('live-stale').hidden;")).isEqualTo(true);

    // dry run: the plan, nothing changed, then Execute with a reason
    long head = server.journalHead();
    driver.findElement(By.id("dry-freeze-policy")).click();
    new WebDriverWait(driver, WAIT).until(d -> !d.findElements(By.id("preview")).isEmpty());
    assertThat(text("preview-changes")).contains("frozen false → true");
    assertThat(text("preview-approval")).startsWith("no");
    assertThat(text("preview-reversible")).startsWith("yes, undone by unfreeze-policy");
    assertThat(server.journalHead()).isEqualTo(head);
    assertThat(a11yProblems()).isEmpty();
    screenshot("incident-preview");
    driver.findElement(By.id("execute-reason")).sendKeys("stop changes while we look");
    driver.findElement(By.id("btn-execute")).click();
    new WebDriverWait(driver, WAIT).until(d -> d.getCurrentUrl().endsWith("/ui/incidents/" + playbookIncident
        + "#h-pb-history"));
    long freeze = executionIds().get(0);
    assertThat(executionState(freeze)).isEqualTo("succeeded");
    assertThat(server.get("/api/v1/policies/checkout-limits", alice).json().path("frozen").asBoolean()).isTrue();

    // undo: its compensation (unfreeze-policy) runs as a new execution
    driver.findElement(By.id("ex-" + freeze + "-reason")).sendKeys("the freeze was not needed");
    driver.findElement(By.id("btn-undo-" + freeze)).click();
    new WebDriverWait(driver, WAIT).until(d -> executionIds().size() == 2);
    assertThat(executionState(executionIds().get(0))).isEqualTo("succeeded");
    assertThat(server.get("/api/v1/policies/checkout-limits", alice).json().path("frozen").asBoolean()).isFalse();

    // a high-risk revert: bob requests it, and sees no approve button for his own request
    driver.findElement(By.id("dry-revert-policy")).click();
    new WebDriverWait(driver, WAIT).until(d -> !d.findElements(By.id("preview")).isEmpty());
    assertThat(text("preview-approval")).startsWith("yes");
    driver.findElement(By.id("execute-reason")).sendKeys("back to version 1");
    driver.findElement(By.id("btn-execute")).click();
    new WebDriverWait(driver, WAIT).until(d -> executionIds().size() == 3);
    long revert = executionIds().get(0);
    assertThat(executionState(revert)).isEqualTo("awaiting_approval");
    assertThat(driver.findElements(By.id("btn-approve-" + revert))).isEmpty();
    assertThat(driver.findElements(By.id("btn-cancel-" + revert))).hasSize(1);
    js("window.rollgateMarker = 'waiting';");
    waitForStream();

    // alice approves in another browser session; bob's page follows without a reload
    Path otherProfile = null;
    ChromeDriver other = null;
    try {
      otherProfile = Files.createTempDirectory("rollgate-chromium-");
      other = browser(otherProfile);
      other.get(server.baseUrl() + "/ui/login");
      other.findElement(By.id("token")).sendKeys(alice);
      other.findElement(By.cssSelector("form button[type=submit]")).click();
      new WebDriverWait(other, WAIT).until(d -> d.getCurrentUrl().endsWith("/ui"));
      other.get(server.baseUrl() + "/ui/incidents/" + playbookIncident);
      assertThat(other.findElement(By.id("h-pb-waiting")).getText()).isEqualTo("Waiting for your approval");
      other.findElement(By.id("ex-" + revert + "-reason")).sendKeys("agreed, version 1 was healthy");
      Files.write(shots.resolve("incident-approval.png"), other.getScreenshotAs(OutputType.BYTES));
      other.findElement(By.id("btn-approve-" + revert)).click();
      new WebDriverWait(other, WAIT).until(d -> d.findElements(By.id("h-pb-waiting")).isEmpty());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      if (other != null) {
        other.quit();
      }
      deleteTree(otherProfile);
    }
    new WebDriverWait(driver, WAIT).until(d -> "succeeded".equals(executionState(revert)));
    assertThat(js("return window.rollgateMarker;")).isEqualTo("waiting");
    assertThat(text("ex-" + revert)).contains("approved by alice");
    assertThat(server.get("/api/v1/policies/checkout-limits", alice).json().path("version").asInt()).isEqualTo(3);
    List<String> console = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      if (e.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
        console.add(e.getLevel() + " " + e.getMessage());
      }
    }
    assertThat(console).isEmpty();
    js("window.scrollTo(0, 0);");
    screenshot("incident");
  }

  @Test
  @Order(4)
  void every_page_has_no_console_errors_labelled_inputs_and_headings_in_order() {
    List<String> problems = new ArrayList<>();
    for (String path : List.of("/ui", "/ui/rollouts", "/ui/rollouts/" + rolloutId, "/ui/incidents",
        "/ui/incidents/" + incidentId, "/ui/incidents/" + playbookIncident, "/ui/policies", "/ui/policies/guardian-enforcement?from=1&to=1",
        "/ui/audit")) {
      driver.manage().logs().get(LogType.BROWSER); // drain what came before
      // each page opens its own event stream: without ui.js closing the last page's on pagehide, pages kept
      // in the back/forward cache hold Chromium's six connections and this loop stalls at the seventh
      open(path);
      waitForStream();
      for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
        if (e.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
          problems.add(path + ": console " + e.getLevel() + " " + e.getMessage());
        }
      }
      List<String> a11y = a11yProblems();
      a11y.forEach(p -> problems.add(path + ": " + p));
      if (path.equals("/ui")) {
        screenshot("overview");
      } else if (path.startsWith("/ui/policies/")) {
        screenshot("policy");
      } else if (path.equals("/ui/audit")) {
        screenshot("audit");
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  @Order(5)
  void a_post_without_the_csrf_token_is_refused_and_a_forged_cookie_returns_to_the_login_page() {
    open("/ui/policies/guardian-enforcement");
    long head = server.journalHead();
    Object status = driver.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        fetch('/ui/policies/guardian-enforcement/freeze', {method: 'POST',
            headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'reason=csrf'})
          .then(r => done(r.status), e => done(String(e)));
        """);
    assertThat(status).isEqualTo(403L);
    assertThat(server.journalHead()).isEqualTo(head);

    Cookie real = driver.manage().getCookieNamed(Sessions.COOKIE);
    assertThat(real).isNotNull();
    assertThat(real.isHttpOnly()).isTrue();
    assertThat(real.getSameSite()).isEqualTo("Strict");
    String v = real.getValue();
    driver.manage().deleteCookieNamed(Sessions.COOKIE);
    driver.manage().addCookie(new Cookie.Builder(Sessions.COOKIE, v.substring(0, v.length() - 2) + "xx")
        .path("/ui").isHttpOnly(true).sameSite("Strict").build());
    driver.get(server.baseUrl() + "/ui/rollouts");
    assertThat(driver.getCurrentUrl()).endsWith("/ui/login");
    assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Sign in to Rollgate");
    screenshot("login");
  }

  // ---- helpers ----

  /** Inputs without a label, headings out of order, not exactly one h1, no lang. */
  @SuppressWarnings("unchecked")
  private List<String> a11yProblems() {
    return (List<String>) js("""
        const out = [];
        for (const el of document.querySelectorAll('input, select, textarea')) {
          if (['hidden', 'submit', 'button'].includes(el.type)) continue;
          const labelled = (el.id && document.querySelector('label[for="' + el.id + '"]'))
              || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          if (!labelled) out.push('unlabelled ' + el.tagName + ' ' + (el.name || ''));
        }
        let prev = 0;
        for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
          const level = Number(h.tagName.substring(1));
          if ((prev === 0 && level !== 1) || level > prev + 1) out.push('heading ' + h.tagName + ' "' + h.textContent + '" after h' + prev);
          prev = level;
        }
        if (document.querySelectorAll('h1').length !== 1) out.push(document.querySelectorAll('h1').length + ' h1 elements');
        if (!document.documentElement.lang) out.push('no lang on <html>');
        return out;
        """);
  }

  private List<Long> executionIds() {
    @SuppressWarnings("unchecked")
    List<Object> ids = (List<Object>) js("return Array.from(document.querySelectorAll('#pb-history .exstate'))"
        + ".map(e => Number(e.dataset.execution));");
    return ids.stream().map(o -> ((Number) o).longValue()).toList();
  }

  private String executionState(long id) {
    return (String) js("const e = document.querySelector('#pb-history .exstate[data-execution=\"" + id + "\"]');"
        + " return e ? e.textContent.trim() : null;");
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private void signIn(String token) {
    driver.get(server.baseUrl() + "/ui/login");
    driver.findElement(By.id("token")).sendKeys(token);
    driver.findElement(By.cssSelector("form button[type=submit]")).click();
    new WebDriverWait(driver, WAIT).until(d -> d.getCurrentUrl().endsWith("/ui"));
  }

  private void signOut() {
    driver.findElement(By.cssSelector("form.who button")).click();
    new WebDriverWait(driver, WAIT).until(d -> d.getCurrentUrl().endsWith("/ui/login"));
  }

  private void open(String path) {
    driver.get(server.baseUrl() + path);
    new WebDriverWait(driver, WAIT).until(d -> "complete".equals(js("return document.readyState;")));
  }

  /** Waits until htmx's SSE extension has opened the page's event stream (EventSource.OPEN). */
  private void waitForStream() {
    if (driver.findElements(By.cssSelector("[sse-connect]")).isEmpty()) {
      return;
    }
    new WebDriverWait(driver, WAIT).until(d -> Boolean.TRUE.equals(js("""
        const el = document.querySelector('[sse-connect]');
        const data = el && el['htmx-internal-data'];
        return !!(data && data.sseEventSource && data.sseEventSource.readyState === 1);
        """)));
  }

  /** Read in one script: a live update may replace the element between a find and a read. */
  private String currentStage() {
    return (String) js("const li = document.querySelector('#stagebar li[aria-current=step]');"
        + " return li ? li.dataset.stage : null;");
  }

  private String text(String id) {
    return (String) js("const e = document.getElementById('" + id + "'); return e ? e.textContent.trim() : null;");
  }

  /**
   * One analysis interval: the SDKs' outcomes (the candidate's, and the baseline's at the same error rate
   * in the proportion the current stage's share predicts, so that the split is healthy), the clock past
   * the interval, one reconciler pass.
   */
  private void tick(int success, int error) {
    // reported mid-interval: the threshold judge reads the last interval's 10 s buckets, which must hold them
    server.clock().advance(Duration.ofSeconds(30));
    var r = server.reportOutcomes(alice, "guardian-enforcement", success, error);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    server.clock().advance(Duration.ofSeconds(31));
    server.server().rollouts().tick();
  }

  private Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  private void screenshot(String name) {
    try {
      Files.write(shots.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot save screenshot " + name, e);
    }
  }
}
