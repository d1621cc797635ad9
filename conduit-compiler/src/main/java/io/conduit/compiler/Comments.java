package io.conduit.compiler;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The comments of a .proto file (its {@code SourceCodeInfo}), as Javadoc-safe text. */
final class Comments {
  // Field numbers in descriptor.proto: FileDescriptorProto.service, ServiceDescriptorProto.method.
  private static final int FILE_SERVICE = 6;
  private static final int SERVICE_METHOD = 2;

  private final Map<List<Integer>, Location> byPath = new HashMap<>();

  Comments(FileDescriptorProto file) {
    for (Location l : file.getSourceCodeInfo().getLocationList()) {
      byPath.putIfAbsent(l.getPathList(), l);
    }
  }

  String service(int serviceIndex) {
    return comment(List.of(FILE_SERVICE, serviceIndex));
  }

  String method(int serviceIndex, int methodIndex) {
    return comment(List.of(FILE_SERVICE, serviceIndex, SERVICE_METHOD, methodIndex));
  }

  /** The leading comment, or else the trailing one; {@code ""} when there is none. */
  private String comment(List<Integer> path) {
    Location l = byPath.get(path);
    if (l == null) {
      return "";
    }
    if (!l.getLeadingComments().isBlank()) {
      return l.getLeadingComments();
    }
    return l.getTrailingComments();
  }

  /** The comment's lines without trailing blanks, common indentation and blank edges. */
  static List<String> lines(String comment) {
    List<String> lines = new ArrayList<>();
    for (String l : comment.split("\r\n|\r|\n", -1)) {
      lines.add(l.stripTrailing());
    }
    while (!lines.isEmpty() && lines.get(0).isEmpty()) {
      lines.remove(0);
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    int common = Integer.MAX_VALUE;
    for (String l : lines) {
      if (!l.isEmpty()) {
        int n = 0;
        while (n < l.length() && l.charAt(n) == ' ') {
          n++;
        }
        common = Math.min(common, n);
      }
    }
    if (common != Integer.MAX_VALUE && common > 0) {
      int strip = common;
      lines.replaceAll(l -> l.isEmpty() ? l : l.substring(strip));
    }
    return lines;
  }

  /**
   * Escapes text for a Javadoc comment: HTML specials, {@code @} (tags), {@code *}{@code /} (end
   * of comment) and backslashes (Java reads unicode escapes even inside comments).
   */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '@' -> out.append("&#64;");
        case '\\' -> out.append("&#92;");
        case '/' -> out.append(i > 0 && text.charAt(i - 1) == '*' ? "&#47;" : "/");
        case '\t' -> out.append("    ");
        default -> {
          if (Character.isISOControl(c)) {
            out.append(' ');
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
