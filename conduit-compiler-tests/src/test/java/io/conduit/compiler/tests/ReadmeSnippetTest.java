package io.conduit.compiler.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The protobuf-maven-plugin block in conduit-compiler/README.md is the one this module builds
 * with, versions filled in: what users copy is what the build proves.
 */
class ReadmeSnippetTest {

  @Test
  void readmeShowsThePluginBlockThisModuleUses() throws IOException {
    String pom = Files.readString(Paths.get(System.getProperty("conduit.pom")));
    Matcher inPom = Pattern.compile("<!-- BEGIN README SNIPPET.*?-->\\s*\\n(.*?)\\n\\s*<!-- END README SNIPPET -->",
        Pattern.DOTALL).matcher(pom);
    assertThat(inPom.find()).as("snippet markers in pom.xml").isTrue();
    String expected = normalize(inPom.group(1)
        .replace("${protobuf-plugin.version}", System.getProperty("protobuf-plugin.version"))
        .replace("${protobuf.version}", System.getProperty("protobuf.version"))
        .replace("${project.version}", System.getProperty("conduit.version")));
    assertThat(expected).doesNotContain("${");

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
    assertThat(readme).contains("<version>" + System.getProperty("conduit.version") + "</version>")
        .contains("<version>" + System.getProperty("protobuf.version") + "</version>");
  }

  /** The lines without their common indentation. */
  private static String normalize(String xml) {
    return xml.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
  }
}
