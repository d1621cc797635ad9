package io.conduit.internal.resolver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conduit.internal.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/** Choosing the service config from {@code grpc_config} TXT records (gRFC A2). */
class DnsServiceConfigTest {
  static final String HOST = "client-7";

  static String choose(IntSupplier roll, String... txt) {
    return DnsServiceConfig.choose(List.of(txt), roll, () -> HOST);
  }

  static String choose(String... txt) {
    return choose(() -> 0, txt);
  }

  /** A choice with {@code criteria} (JSON members, or empty) and a config naming it {@code id}. */
  static String choice(String criteria, String id) {
    return "{" + criteria + (criteria.isEmpty() ? "" : ",")
        + "\"serviceConfig\":{\"healthCheckConfig\":{\"serviceName\":\"" + id + "\"}}}";
  }

  static String config(String... choices) {
    return "grpc_config=[" + String.join(",", choices) + "]";
  }

  static String chosen(String json) {
    return json == null ? null : json.replaceAll(".*\"serviceName\":\"([^\"]*)\".*", "$1");
  }

  @Test
  void theFirstMatchingChoiceWins() {
    String txt = config(choice("\"clientLanguage\":[\"go\",\"c++\"]", "go"),
        choice("\"clientHostname\":[\"other-host\"]", "other"),
        choice("\"clientLanguage\":[\"JaVa\"],\"clientHostname\":[\"x\",\"" + HOST + "\"]", "java"),
        choice("", "anyone"));
    assertThat(chosen(choose(txt))).isEqualTo("java");
    // Absent or empty criteria match everyone.
    assertThat(chosen(choose(config(choice("\"clientLanguage\":[],\"clientHostname\":[]", "all")))))
        .isEqualTo("all");
  }

  @Test
  void percentageIsComparedWithARollPerChoice() {
    String txt = config(choice("\"percentage\":30", "thirty"), choice("", "rest"));
    assertThat(chosen(choose(() -> 29, txt))).isEqualTo("thirty");
    assertThat(chosen(choose(() -> 30, txt))).isEqualTo("rest");
    assertThat(chosen(choose(() -> 0, config(choice("\"percentage\":0", "never"))))).isNull();
    assertThat(chosen(choose(() -> 99, config(choice("\"percentage\":100", "always")))))
        .isEqualTo("always");
  }

  @Test
  void theChosenConfigIsTheChoicesServiceConfigAsJson() {
    String sc = "{\"methodConfig\":[{\"name\":[{\"service\":\"a.B\"}],\"timeout\":\"1.5s\","
        + "\"retryPolicy\":{\"maxAttempts\":3,\"backoffMultiplier\":1.5}}],\"x\":\"\\\"q\\\"\"}";
    String json = choose("grpc_config=[{\"serviceConfig\":" + sc + "}]");
    assertThat(Json.parse(json)).isEqualTo(Json.parse(sc));
  }

  @Test
  void noConfigWithoutAGrpcConfigAttributeOrAMatch() {
    assertThat(choose()).isNull();
    assertThat(choose("v=spf1 -all", "GRPC_CONFIG=[]", "grpc_config_x=[]")).isNull();
    assertThat(choose(config())).isNull();
    assertThat(choose(config(choice("\"clientLanguage\":[\"go\"]", "go")))).isNull();
    assertThat(choose(config(choice("\"clientHostname\":[\"" + HOST.toUpperCase() + "\"]", "h"))))
        .as("host names are case-sensitive").isNull();
  }

  @Test
  void choicesOfEveryGrpcConfigRecordCount() {
    assertThat(chosen(choose("other", config(choice("\"clientLanguage\":[\"go\"]", "go")),
        config(choice("", "second"))))).isEqualTo("second");
  }

  @Test
  void anInvalidChoiceInvalidatesTheWholeConfig() {
    for (String bad : List.of(
        config(choice("\"clientLanguage\":[\"java\"],\"color\":\"blue\"", "unknown field")),
        config(choice("\"clientLanguage\":[\"go\"],\"color\":\"blue\"", "unknown, not matching")),
        config("{\"clientLanguage\":[\"java\"]}"),
        config("{\"serviceConfig\":\"{}\"}"),
        config("{\"serviceConfig\":[]}"),
        config(choice("\"percentage\":50.5", "fraction")),
        config(choice("\"percentage\":101", "over")),
        config(choice("\"percentage\":-1", "under")),
        config(choice("\"percentage\":\"50\"", "string")),
        config(choice("\"clientLanguage\":\"java\"", "not a list")),
        config(choice("\"clientHostname\":[1]", "not strings")),
        config("[]"),
        "grpc_config={\"serviceConfig\":{}}",
        "grpc_config=[{\"serviceConfig\":{}}",
        "grpc_config=")) {
      assertThatThrownBy(() -> choose(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> choose(config(choice("\"clientLanguage\":[\"go\"]", "go"),
        "{\"serviceConfig\":{},\"canary\":true}")))
        .hasMessageContaining("choice 1").hasMessageContaining("unknown field 'canary'");
  }

  @Test
  void choicesAfterTheChosenOneAreNotExamined() {
    assertThat(chosen(choose(config(choice("", "first"), "{\"bad\":1}")))).isEqualTo("first");
  }

  @Test
  void txtTextJoinsTheRecordsStrings() {
    byte[] e = "\u00e9".getBytes(StandardCharsets.UTF_8);
    ByteBuf rdata = Unpooled.buffer();
    try {
      rdata.writeByte(4).writeBytes("grpc".getBytes(StandardCharsets.US_ASCII)).writeByte(0);
      // An é split between two strings.
      rdata.writeByte(3).writeBytes("_c".getBytes(StandardCharsets.US_ASCII)).writeByte(e[0]);
      rdata.writeByte(2).writeByte(e[1]).writeByte('!');
      int readerIndex = rdata.readerIndex();
      assertThat(DnsServiceConfig.txtText(rdata)).isEqualTo("grpc_c\u00e9!");
      assertThat(rdata.readerIndex()).as("content left as it was").isEqualTo(readerIndex);
      // A length byte past the end: what is there is taken.
      rdata.writeByte(9).writeByte('x');
      assertThat(DnsServiceConfig.txtText(rdata)).isEqualTo("grpc_c\u00e9!x");
    } finally {
      rdata.release();
    }
  }
}
