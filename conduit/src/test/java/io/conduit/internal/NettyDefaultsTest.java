package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Channel;
import io.netty.util.internal.PlatformDependent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NettyDefaultsTest {

  /** Run in a JVM of its own, where nothing has touched Netty yet. */
  public static final class Probe {
    public static void main(String[] args) {
      Channel channel = Channel.builder("localhost:1").build();
      System.out.println("jfr=" + PlatformDependent.isJfrEnabled());
      channel.close();
    }
  }

  @Test
  void nettysAllocatorEventsAreOffUnlessAskedFor() throws Exception {
    assertThat(probe()).isEqualTo("jfr=false");
    assertThat(probe("-Dio.netty.jfr.enabled=true")).isEqualTo("jfr=true");
  }

  private static String probe(String... jvmFlags) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(javaBin));
    cmd.addAll(List.of(jvmFlags));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out.lines().filter(l -> l.startsWith("jfr=")).findFirst().orElse(out);
  }
}
