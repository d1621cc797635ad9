package io.conduit.internal.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checked against grpc/grpc doc/http-grpc-status-mapping.md (HTTP statuses) and the "Errors"
 * table of doc/PROTOCOL-HTTP2.md (RST_STREAM codes).
 */
class HttpStatusMappingTest {

  @ParameterizedTest(name = "HTTP {0} -> {1}")
  @CsvSource({
    "400, INTERNAL",
    "401, UNAUTHENTICATED",
    "403, PERMISSION_DENIED",
    "404, UNIMPLEMENTED",
    "429, UNAVAILABLE",
    "502, UNAVAILABLE",
    "503, UNAVAILABLE",
    "504, UNAVAILABLE",
  })
  void httpStatusesOfTheMappingTable(int httpStatus, Status.Code expected) {
    Status status = HttpStatusMapping.fromHttpStatus(httpStatus);
    assertThat(status.code()).isSameAs(expected);
    assertThat(status.description()).contains(Integer.toString(httpStatus));
  }

  /** http-grpc-status-mapping.md: "431 Request Header Fields Too Large | INTERNAL". */
  @Test
  void http431RequestHeaderFieldsTooLargeIsInternal() {
    assertThat(HttpStatusMapping.fromHttpStatus(431).code()).isSameAs(Status.Code.INTERNAL);
  }

  /** "200 is UNKNOWN because there should be a grpc-status in case of truly OK response." */
  @ParameterizedTest(name = "HTTP {0} -> UNKNOWN")
  @ValueSource(ints = {200, 201, 204, 206, 301, 302, 304, 402, 405, 406, 408, 409, 410, 413, 415,
      418, 430, 432, 500, 501, 505, 511, 0, 99, 600, 999, -1})
  void everyOtherHttpStatusIsUnknown(int httpStatus) {
    Status status = HttpStatusMapping.fromHttpStatus(httpStatus);
    assertThat(status.code()).isSameAs(Status.Code.UNKNOWN);
    assertThat(status.description()).contains(Integer.toString(httpStatus));
  }

  @ParameterizedTest(name = "RST_STREAM {0} -> {1}")
  @CsvSource({
    "0x0, INTERNAL",            // NO_ERROR
    "0x1, INTERNAL",            // PROTOCOL_ERROR
    "0x2, INTERNAL",            // INTERNAL_ERROR
    "0x3, INTERNAL",            // FLOW_CONTROL_ERROR
    "0x4, INTERNAL",            // SETTINGS_TIMEOUT
    "0x6, INTERNAL",            // FRAME_SIZE_ERROR
    "0x7, UNAVAILABLE",         // REFUSED_STREAM
    "0x8, CANCELLED",           // CANCEL
    "0x9, INTERNAL",            // COMPRESSION_ERROR
    "0xA, INTERNAL",            // CONNECT_ERROR
    "0xB, RESOURCE_EXHAUSTED",  // ENHANCE_YOUR_CALM
    "0xC, PERMISSION_DENIED",   // INADEQUATE_SECURITY
  })
  void rstStreamCodesOfTheErrorsTable(String code, Status.Code expected) {
    long errorCode = Long.decode(code);
    Status status = HttpStatusMapping.fromRstStream(errorCode);
    assertThat(status.code()).isSameAs(expected);
    assertThat(status.description()).isNotBlank();
  }

  @Test
  void rstStreamDescriptionsNameTheError() {
    assertThat(HttpStatusMapping.fromRstStream(0x7).description()).contains("REFUSED_STREAM");
    assertThat(HttpStatusMapping.fromRstStream(0x8).description()).contains("CANCEL");
    assertThat(HttpStatusMapping.fromRstStream(0xB).description()).contains("ENHANCE_YOUR_CALM");
    assertThat(HttpStatusMapping.fromRstStream(0x1234).description()).containsIgnoringCase("0x1234");
  }

  /** STREAM_CLOSED has "no mapping": there is no open stream; whatever comes out is not OK. */
  @Test
  void streamClosedIsNotOk() {
    assertThat(HttpStatusMapping.fromRstStream(0x5).isOk()).isFalse();
  }

  @ParameterizedTest(name = "RST_STREAM {0} -> INTERNAL")
  @ValueSource(longs = {0xD /* HTTP_1_1_REQUIRED, not in the table */, 0xE, 0xFF, 0x1234, 0x7FFFFFFFL,
      0xFFFFFFFFL})
  void unknownRstStreamCodesAreInternal(long errorCode) {
    assertThat(HttpStatusMapping.fromRstStream(errorCode).code()).isSameAs(Status.Code.INTERNAL);
  }
}
