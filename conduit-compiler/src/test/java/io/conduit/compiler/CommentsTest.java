package io.conduit.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommentsTest {

  @Test
  void escapesWhatJavadocOrJavacWouldMisread() {
    assertThat(Comments.escape("a */ b")).isEqualTo("a *&#47; b");
    assertThat(Comments.escape("see @param x {@code y}")).isEqualTo("see &#64;param x {&#64;code y}");
    assertThat(Comments.escape("<b>&</b>")).isEqualTo("&lt;b&gt;&amp;&lt;/b&gt;");
    // javac reads unicode escapes even in comments: a backslash-u before non-hex does not compile.
    assertThat(Comments.escape("C:\\users")).isEqualTo("C:&#92;users");
    assertThat(Comments.escape("a/b *x")).isEqualTo("a/b *x");
    assertThat(Comments.escape("tab\there\u0007")).isEqualTo("tab    here ");
  }

  @Test
  void linesDropTheCommonIndentAndBlankEdges() {
    assertThat(Comments.lines("\n Sends a greeting.\n\n   Indented.\n \n")).containsExactly(
        "Sends a greeting.", "", "  Indented.");
    assertThat(Comments.lines("")).isEmpty();
    assertThat(Comments.lines(" one\r\n two ")).containsExactly("one", "two");
  }
}
