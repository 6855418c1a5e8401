package io.rollgate.incident;

final class Text {
  private Text() {}

  static String shorten(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 64 ? s : s.substring(0, 64) + "…";
  }
}
