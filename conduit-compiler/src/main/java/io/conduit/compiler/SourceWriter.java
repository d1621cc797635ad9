package io.conduit.compiler;

import java.util.ArrayList;
import java.util.List;

/** Java source text with two-space indentation and Javadoc blocks. */
final class SourceWriter {
  /** The column limit for code and Javadoc (long names may still overflow it). */
  static final int WIDTH = 100;

  private final StringBuilder out = new StringBuilder(8192);
  private int indent;

  /** Writes one line at the current indentation; an empty string writes an empty line. */
  SourceWriter line(String text) {
    if (!text.isEmpty()) {
      out.append("  ".repeat(indent)).append(text);
    }
    out.append('\n');
    return this;
  }

  SourceWriter line() {
    return line("");
  }

  /**
   * Writes {@code head + "(" + args + ")" + tail}, on one line if it fits, else with the
   * arguments on continuation lines, as many on each as fit.
   */
  SourceWriter call(String head, List<String> args, String tail) {
    String oneLine = head + "(" + String.join(", ", args) + ")" + tail;
    if (2 * indent + oneLine.length() <= WIDTH || args.isEmpty()) {
      return line(oneLine);
    }
    line(head + "(");
    String pad = "    ";
    StringBuilder current = new StringBuilder(pad);
    for (int i = 0; i < args.size(); i++) {
      String piece = args.get(i) + (i == args.size() - 1 ? ")" + tail : ",");
      if (current.length() > pad.length()
          && 2 * indent + current.length() + 1 + piece.length() > WIDTH) {
        line(current.toString());
        current = new StringBuilder(pad);
      }
      if (current.length() > pad.length()) {
        current.append(' ');
      }
      current.append(piece);
    }
    return line(current.toString());
  }

  /** Like {@link #call}, then indents the lines that follow: for method declarations. */
  SourceWriter openCall(String head, List<String> args, String tail) {
    call(head, args, tail);
    indent++;
    return this;
  }

  /** Writes {@code text} and indents the lines that follow. */
  SourceWriter open(String text) {
    line(text);
    indent++;
    return this;
  }

  /** Changes the indentation by {@code levels}. */
  SourceWriter indent(int levels) {
    indent += levels;
    return this;
  }

  /** Outdents, then writes {@code text}. */
  SourceWriter close(String text) {
    indent--;
    return line(text);
  }

  /**
   * Writes a Javadoc comment. {@code html} lines are written as they are (they must already be
   * escaped); {@code null} or an empty list writes nothing.
   */
  SourceWriter javadoc(List<String> html) {
    if (html == null || html.isEmpty()) {
      return this;
    }
    if (html.size() == 1 && html.get(0).length() + 2 * indent + 7 <= WIDTH) {
      return line("/** " + html.get(0) + " */");
    }
    line("/**");
    boolean pre = false;
    for (String l : html) {
      if (l.equals("<pre>")) {
        pre = true;
      } else if (l.equals("</pre>")) {
        pre = false;
      }
      if (pre || l.isEmpty()) {
        line(l.isEmpty() ? " *" : " * " + l);
      } else {
        for (String wrapped : wrap(l, WIDTH - 2 * indent - 3)) {
          line(" * " + wrapped);
        }
      }
    }
    return line(" */");
  }

  /** Splits {@code text} at spaces into lines of at most {@code width} characters where possible. */
  private static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String word : words(text)) {
      if (current.length() > 0 && current.length() + 1 + word.length() > width) {
        lines.add(current.toString());
        current.setLength(0);
      }
      if (current.length() > 0) {
        current.append(' ');
      }
      current.append(word);
    }
    lines.add(current.toString());
    return lines;
  }

  /** The words of {@code text}, keeping an inline tag such as {@code {@code a b}} in one piece. */
  private static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    int depth = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '{' && text.startsWith("{@", i)) {
        depth++;
      } else if (c == '}' && depth > 0) {
        depth--;
      }
      if (c == ' ' && depth == 0) {
        words.add(word.toString());
        word.setLength(0);
      } else {
        word.append(c);
      }
    }
    words.add(word.toString());
    return words;
  }

  @Override
  public String toString() {
    return out.toString();
  }

  /** Javadoc lines made of an optional proto comment followed by more paragraphs. */
  static final class Doc {
    private final List<String> lines = new ArrayList<>();

    /** Adds a paragraph of HTML (already escaped), separated from the previous one. */
    Doc paragraph(String html) {
      if (!lines.isEmpty()) {
        lines.add("");
        if (!html.startsWith("@") && !html.startsWith("<pre>")) {
          html = "<p>" + html;
        }
      }
      lines.add(html);
      return this;
    }

    /** Adds the proto comment, if any, as a {@code <pre>} block. */
    Doc protoComment(String comment) {
      List<String> text = Comments.lines(comment);
      if (text.isEmpty()) {
        return this;
      }
      if (!lines.isEmpty()) {
        lines.add("");
      }
      lines.add("<pre>");
      for (String l : text) {
        lines.add(Comments.escape(l));
      }
      lines.add("</pre>");
      return this;
    }

    /** Adds a block tag such as {@code @deprecated text}. */
    Doc tag(String tag) {
      if (!lines.isEmpty()) {
        lines.add("");
      }
      lines.add(tag);
      return this;
    }

    List<String> lines() {
      return lines;
    }
  }
}
