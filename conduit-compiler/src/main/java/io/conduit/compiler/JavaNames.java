package io.conduit.compiler;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Turns proto names into Java identifiers. */
final class JavaNames {
  private JavaNames() {}

  /** Reserved words and literals, including the contextual ones that break unqualified calls. */
  static final Set<String> KEYWORDS = Set.of(
      "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const",
      "continue", "default", "do", "double", "else", "enum", "extends", "final", "finally",
      "float", "for", "goto", "if", "implements", "import", "instanceof", "int", "interface",
      "long", "native", "new", "package", "private", "protected", "public", "return", "short",
      "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws",
      "transient", "try", "void", "volatile", "while", "true", "false", "null", "_",
      // Contextual: an unqualified call to a method named yield does not compile; the others
      // are restricted type names, kept out of member names to be safe.
      "yield", "record", "var", "sealed", "permits", "non-sealed");

  /** Methods every object has: a service method must not override or overload them by accident. */
  static final Set<String> OBJECT_METHODS = Set.of(
      "clone", "equals", "finalize", "getClass", "hashCode", "notify", "notifyAll", "toString",
      "wait");

  /**
   * {@code SayHello} → {@code sayHello}, {@code get_foo} → {@code getFoo}, {@code HTTPGet} →
   * {@code httpGet}, {@code URL} → {@code url}.
   */
  static String lowerCamel(String protoName) {
    List<String> words = new ArrayList<>();
    for (String w : protoName.split("_", -1)) {
      if (!w.isEmpty()) {
        words.add(w);
      }
    }
    if (words.isEmpty()) {
      return protoName;
    }
    StringBuilder out = new StringBuilder(protoName.length());
    out.append(decapitalize(words.get(0)));
    for (int i = 1; i < words.size(); i++) {
      String w = words.get(i);
      if (w.length() > 1 && w.equals(w.toUpperCase(Locale.ROOT))) {
        w = w.charAt(0) + w.substring(1).toLowerCase(Locale.ROOT); // SERVICE_NAME: serviceName
      }
      out.append(Character.toUpperCase(w.charAt(0))).append(w, 1, w.length());
    }
    return out.toString();
  }

  /**
   * {@code Greeter} → {@code Greeter}, {@code my_service} → {@code MyService}: each word
   * capitalized, the rest of the spelling kept ({@code HTTPProxy} stays).
   */
  static String upperCamel(String protoName) {
    return capitalizeWords(protoName);
  }

  private static String capitalizeWords(String protoName) {
    StringBuilder out = new StringBuilder(protoName.length());
    for (String w : protoName.split("_", -1)) {
      if (!w.isEmpty()) {
        out.append(Character.toUpperCase(w.charAt(0))).append(w, 1, w.length());
      }
    }
    return out.length() == 0 ? protoName : out.toString();
  }

  /** Lower-cases a leading run of capitals, leaving the last one of an acronym before a word. */
  private static String decapitalize(String word) {
    int upper = 0;
    while (upper < word.length() && Character.isUpperCase(word.charAt(upper))) {
      upper++;
    }
    if (upper == 0) {
      return word;
    }
    if (upper == word.length()) {
      return word.toLowerCase(Locale.ROOT);
    }
    // "HTTPGet": the run is HTTPG; keep the G, it starts the next word.
    int keep = upper > 1 && Character.isLowerCase(word.charAt(upper)) ? upper - 1 : upper;
    return word.substring(0, keep).toLowerCase(Locale.ROOT) + word.substring(keep);
  }

  /** {@code SayHello} → {@code SAY_HELLO}, {@code get_foo} → {@code GET_FOO}, {@code HTTPGet} → {@code HTTP_GET}. */
  static String constant(String protoName) {
    StringBuilder out = new StringBuilder(protoName.length() + 8);
    for (String w : protoName.split("_", -1)) {
      if (w.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append('_');
      }
      for (int i = 0; i < w.length(); i++) {
        char c = w.charAt(i);
        if (i > 0 && Character.isUpperCase(c)) {
          char prev = w.charAt(i - 1);
          boolean nextLower = i + 1 < w.length() && Character.isLowerCase(w.charAt(i + 1));
          if (Character.isLowerCase(prev) || Character.isDigit(prev)
              || (Character.isUpperCase(prev) && nextLower)) {
            out.append('_');
          }
        }
        out.append(Character.toUpperCase(c));
      }
    }
    return out.length() == 0 ? protoName : out.toString();
  }

  /** Makes {@code javaString} safe inside a Java string literal. */
  static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
