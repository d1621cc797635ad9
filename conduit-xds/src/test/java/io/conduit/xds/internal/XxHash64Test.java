package io.conduit.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class XxHash64Test {
  @Test
  void shortInputs() {
    // XXH64 with seed 0, as the reference implementation (and grpc-java's) computes it.
    assertThat(XxHash64.hash("")).isEqualTo(0xEF46DB3751D8E999L);
    assertThat(XxHash64.hash("a")).isEqualTo(0xD24EC4F1A98C6E5BL);
    assertThat(XxHash64.hash("abc")).isEqualTo(0x44BC2CF5AD770999L);
    assertThat(XxHash64.hash("/127.0.0.1:5000_17")).isEqualTo(0x0386E7E5E7562CF8L);
  }

  @Test
  void inputsOfThirtyTwoBytesAndMore() {
    assertThat(XxHash64.hash("Nobody inspects the spammish repetition"))
        .isEqualTo(0xFBCEA83C8A378BF1L);
    assertThat(XxHash64.hash("0123456789abcdefghijklmnopqrstuvwxyz"
        + "0123456789abcdefghijklmnopqrstuvwxyz")).isEqualTo(0xE597DB74E7CE323CL);
  }
}
