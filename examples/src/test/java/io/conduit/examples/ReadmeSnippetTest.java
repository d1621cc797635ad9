package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The examples build with the protobuf-maven-plugin block that conduit-compiler/README.md shows
 * users (versions filled in): the examples prove the documented setup.
 */
class ReadmeSnippetTest {

  @Test
  void examplesUseThePluginBlockOfTheReadme() throws IOException {
    String pom = Files.readString(Paths.get(System.getProperty("conduit.pom")));
    Matcher inPom = Pattern.compile(
        "<!-- BEGIN README SNIPPET.*?-->\\s*\\n(.*?)\\n\\s*<!-- END README SNIPPET -->",
        Pattern.DOTALL).matcher(pom);
    assertThat(inPom.find()).as("snippet markers in examples/pom.xml").isTrue();
    String expected = normalize(inPom.group(1)
        .replace("${protobuf-plugin.version}", System.getProperty("protobuf-plugin.version"))
        .replace("${protobuf.version}", System.getProperty("protobuf.version"))
        .replace("${project.version}", System.getProperty("conduit.version")));
    assertThat(expected).doesNotContain("${").contains("<artifactId>protobuf-maven-plugin</artifactId>");

    String readme = Files.readString(Paths.get(System.getProperty("conduit.readme")));
    Matcher block = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    String shown = null;
    while (block.find()) {
      if (block.group(1).contains("<artifactId>protobuf-maven-plugin</artifactId>")) {
        shown = normalize(block.group(1));
      }
    }
    // The README shows the block inside the whole pom.xml of a user's project.
    assertThat(shown).as("the pom.xml with the protobuf-maven-plugin block in the README")
        .contains(expected);
  }

  /** The lines without their indentation. */
  private static String normalize(String xml) {
    return xml.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
  }
}
