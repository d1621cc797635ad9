package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The exported packages reach the implementation (internal packages, Netty) only through a few
 * entry points, as {@code jdeps} sees the compiled classes: where a channel or a server is built
 * from its builder ({@code ChannelImpl}, {@code ServerImpl} and their configs, the call
 * credentials layer, Netty's defaults, the server's abuse limits), where TLS settings become the
 * transport's opaque {@code TlsContext} ({@code TlsSupport}), where the server builder names an
 * abstract Unix socket ({@code EventLoops}), and the server stub's check that it never waits on
 * an I/O thread ({@code EventLoops}). Any other exported class that
 * comes to depend on the implementation fails here: route it through one of these, or add it to
 * the list with the reason.
 */
class ApiDependencyTest {
  private static final Set<String> ENTRY_POINTS = Set.of(
      "io.conduit.Channel", "io.conduit.Channel$Builder",
      "io.conduit.Server", "io.conduit.Server$Builder",
      "io.conduit.ChannelTls", "io.conduit.ChannelTls$Builder",
      "io.conduit.ServerTls", "io.conduit.ServerTls$Builder",
      "io.conduit.stub.ServerCalls$ResponseObserver");

  private static final List<String> API = List.of("io.conduit", "io.conduit.balancer",
      "io.conduit.health", "io.conduit.protobuf", "io.conduit.resolver", "io.conduit.stub");

  /** {@code   io.conduit.Channel   -> io.conduit.internal.ChannelImpl   io.conduit}. */
  private static final Pattern DEPENDENCY = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+\\S+$");

  @Test
  void onlyTheEntryPointsDependOnTheImplementation() {
    Map<String, Set<String>> reaches = new TreeMap<>();
    for (String line : jdeps("--multi-release", "17", "-verbose:class",
        "--module-path", ConduitModule.modulePath(), ConduitModule.classes().toString())) {
      Matcher m = DEPENDENCY.matcher(line);
      if (m.matches() && isApi(m.group(1)) && isImplementation(m.group(2))) {
        reaches.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
      }
    }
    assertThat(reaches).as("jdeps found no dependency: has its output changed?").isNotEmpty();
    reaches.keySet().removeAll(ENTRY_POINTS);
    assertThat(reaches).as("exported classes that depend on the implementation").isEmpty();
  }

  private static boolean isApi(String className) {
    return API.contains(className.substring(0, className.lastIndexOf('.')));
  }

  private static boolean isImplementation(String className) {
    return className.startsWith("io.conduit.internal.") || className.startsWith("io.netty.");
  }

  private static List<String> jdeps(String... args) {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = jdeps.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    assertThat(status).as("jdeps: %s", err).isZero();
    return out.toString().lines().toList();
  }
}
