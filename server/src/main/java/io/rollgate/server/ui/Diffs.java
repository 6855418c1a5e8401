package io.rollgate.server.ui;

import com.github.difflib.text.DiffRow;
import com.github.difflib.text.DiffRowGenerator;
import java.util.List;
import java.util.Locale;

/**
 * A side-by-side line diff of two pretty-printed JSON documents (java-diff-utils). Rows carry raw
 * text; the template escapes it, so no inline markup is generated here.
 */
final class Diffs {
  private static final DiffRowGenerator GENERATOR = DiffRowGenerator.create()
      .showInlineDiffs(false).ignoreWhiteSpaces(false).reportLinesUnchanged(true).build();

  private Diffs() {}

  static List<Views.DiffRow> sideBySide(String left, String right) {
    List<DiffRow> rows = GENERATOR.generateDiffRows(List.of(left.split("\n", -1)), List.of(right.split("\n", -1)));
    return rows.stream()
        .map(r -> new Views.DiffRow(r.getTag().name().toLowerCase(Locale.ROOT), r.getOldLine(), r.getNewLine()))
        .toList();
  }
}
