package io.rollgate.cli;

import io.rollgate.evidence.Run;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * A JUnit XML report as Surefire and pytest write it: a {@code <testsuite>} or {@code <testsuites>}
 * root; each {@code <testcase>} is one run, failed when it holds {@code <failure>} or {@code <error>};
 * a {@code <skipped>} case is not a run. Read with the JDK's SAX parser with DTDs and external
 * entities refused (a report from a build is untrusted input: no XXE, no entity expansion).
 */
record JunitReport(Path file, List<Case> cases) {
  /** One test case: {@code durationMs} null when the report has no usable {@code time}. */
  record Case(String classname, String name, boolean passed, boolean skipped, Long durationMs) {
    /** The run's source: the report's file name and the test, cut to what the API accepts. */
    String source(Path file) {
      String test = classname == null || classname.isEmpty() ? name : classname + "." + name;
      String s = file.getFileName() + ":" + test;
      return s.length() > Run.MAX_SOURCE ? s.substring(0, Run.MAX_SOURCE - 1) + "…" : s;
    }
  }

  long runs() {
    return cases.stream().filter(c -> !c.skipped()).count();
  }

  long passed() {
    return cases.stream().filter(c -> !c.skipped() && c.passed()).count();
  }

  long skipped() {
    return cases.stream().filter(Case::skipped).count();
  }

  /** @throws CliException (exit 2) unreadable, malformed (naming the file and line), or not a JUnit report */
  static JunitReport read(Path file) {
    var handler = new Handler();
    try (InputStream in = Files.newInputStream(file)) {
      factory().newSAXParser().parse(in, handler, file.toUri().toString());
    } catch (SAXParseException e) {
      throw new CliException(2, "malformed JUnit XML in " + file + " at line " + e.getLineNumber() + ", column "
          + e.getColumnNumber() + ": " + e.getMessage() + "; nothing was imported");
    } catch (NotAReport e) {
      throw new CliException(2, file + " is not a JUnit report: " + e.getMessage() + "; nothing was imported");
    } catch (NoSuchFileException e) {
      throw new CliException(2, "cannot read JUnit report " + file + ": no such file");
    } catch (IOException | SAXException e) {
      throw new CliException(2, "cannot read JUnit report " + file + ": " + e.getMessage());
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("the JDK XML parser lacks a secure-processing feature", e);
    }
    return new JunitReport(file, List.copyOf(handler.cases));
  }

  private static SAXParserFactory factory() throws ParserConfigurationException, SAXException {
    SAXParserFactory f = SAXParserFactory.newInstance();
    f.setNamespaceAware(false);
    f.setValidating(false);
    f.setXIncludeAware(false);
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    // a DOCTYPE is refused outright: no DTD, no internal or external entities, no billion laughs
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    f.setFeature("http://xml.org/sax/features/external-general-entities", false);
    f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return f;
  }

  private static final class NotAReport extends SAXException {
    NotAReport(String message) {
      super(message);
    }
  }

  private static final class Handler extends DefaultHandler {
    final List<Case> cases = new ArrayList<>();
    private boolean root = true;
    private String classname;
    private String name;
    private Long duration;
    private boolean failed;
    private boolean skipped;
    private boolean inCase;

    @Override
    public void startElement(String uri, String local, String qName, Attributes a) throws SAXException {
      if (root) {
        root = false;
        if (!qName.equals("testsuite") && !qName.equals("testsuites")) {
          throw new NotAReport("the root element is <" + qName + ">, expected <testsuite> or <testsuites>");
        }
        return;
      }
      switch (qName) {
        case "testcase" -> {
          inCase = true;
          classname = a.getValue("classname");
          name = a.getValue("name");
          duration = millis(a.getValue("time"));
          failed = false;
          skipped = false;
        }
        case "failure", "error" -> failed |= inCase;
        case "skipped" -> skipped |= inCase;
        default -> { }
      }
    }

    @Override
    public void endElement(String uri, String local, String qName) {
      if (qName.equals("testcase") && inCase) {
        cases.add(new Case(classname, name == null ? "(unnamed)" : name, !failed, skipped, duration));
        inCase = false;
      }
    }

    /** Seconds as Surefire ("0.012", "1,234.5") and pytest ("0.001") write them; anything else is no duration. */
    private static Long millis(String time) {
      if (time == null || time.isBlank()) {
        return null;
      }
      try {
        long ms = new BigDecimal(time.strip().replace(",", "")).movePointRight(3)
            .setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        return ms < 0 || ms > Run.MAX_DURATION_MS ? null : ms;
      } catch (NumberFormatException | ArithmeticException e) {
        return null;
      }
    }
  }
}
