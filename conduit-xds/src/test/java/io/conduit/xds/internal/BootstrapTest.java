package io.conduit.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapTest {
  private static final String GOOD = "{\"xds_servers\": [{\"server_uri\": \"xds.example:443\", "
      + "\"channel_creds\": [{\"type\": \"google_default\"}, {\"type\": \"insecure\"}]}], "
      + "\"node\": {\"id\": \"n1\", \"cluster\": \"c\", \"locality\": {\"zone\": \"z\"}, "
      + "\"metadata\": {\"k\": \"v\", \"n\": 2}}}";

  @Test
  void readsServerAndNode() {
    Bootstrap b = Bootstrap.parse(GOOD, "test");
    assertThat(b.serverUri()).isEqualTo("xds.example:443");
    assertThat(b.node().getId()).isEqualTo("n1");
    assertThat(b.node().getCluster()).isEqualTo("c");
    assertThat(b.node().getLocality().getZone()).isEqualTo("z");
    assertThat(b.node().getMetadata().getFieldsOrThrow("k").getStringValue()).isEqualTo("v");
    assertThat(b.node().getUserAgentName()).isEqualTo("Conduit");
    assertThat(b.tls()).isFalse();
    assertThat(Bootstrap.parse("{\"xds_servers\": [{\"server_uri\": \"a:443\", "
        + "\"channel_creds\": [{\"type\": \"tls\"}, {\"type\": \"insecure\"}]}]}", "t").tls())
        .isTrue();
  }

  @Test
  void fileComesBeforeConfig(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bootstrap.json");
    Files.writeString(file, GOOD);
    Bootstrap b = Bootstrap.fromEnvironment(Map.of(Bootstrap.FILE_VARIABLE, file.toString(),
        Bootstrap.CONFIG_VARIABLE, "not json")::get);
    assertThat(b.serverUri()).isEqualTo("xds.example:443");
    assertThat(Bootstrap.fromEnvironment(Map.of(Bootstrap.CONFIG_VARIABLE, GOOD)::get).json())
        .isEqualTo(GOOD);
  }

  @Test
  void badBootstrapsSayWhatIsWrong() {
    assertThatThrownBy(() -> Bootstrap.fromEnvironment(Map.<String, String>of()::get))
        .hasMessageContaining("GRPC_XDS_BOOTSTRAP");
    assertThatThrownBy(() -> Bootstrap.fromEnvironment(
        Map.of(Bootstrap.FILE_VARIABLE, "/no/such/file")::get))
        .hasMessageContaining("/no/such/file");
    assertThatThrownBy(() -> Bootstrap.parse("{", "t")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> Bootstrap.parse("{\"xds_servers\": []}", "t"))
        .hasMessageContaining("xds_servers is missing or empty");
    assertThatThrownBy(() -> Bootstrap.parse("{\"xds_servers\": [{}]}", "t"))
        .hasMessageContaining("xds_servers[0].server_uri");
    assertThatThrownBy(() -> Bootstrap.parse("{\"xds_servers\": [{\"server_uri\": \"a:1\", "
        + "\"channel_creds\": [{\"type\": \"google_default\"}]}]}", "t"))
        .hasMessageContaining("channel_creds names no supported type")
        .hasMessageContaining("google_default");
  }
}
