package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class StatusTest {

  /** doc/statuscodes.md, in wire order. */
  private static final Map<String, Integer> WIRE_VALUES = new LinkedHashMap<>();

  static {
    String[] names = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED",
    };
    for (int i = 0; i < names.length; i++) {
      WIRE_VALUES.put(names[i], i);
    }
  }

  @Test
  void thereAreExactlySeventeenCodesWithTheSpecifiedWireValues() {
    assertThat(Status.Code.values()).hasSize(17);
    for (Status.Code code : Status.Code.values()) {
      assertThat(code.value()).as(code.name()).isEqualTo(WIRE_VALUES.get(code.name()));
    }
  }

  @ParameterizedTest
  @EnumSource(Status.Code.class)
  void codeOfRoundTripsEveryWireValue(Status.Code code) {
    assertThat(Status.Code.of(code.value())).isSameAs(code);
    assertThat(Status.fromCodeValue(code.value()).code()).isSameAs(code);
    assertThat(Status.fromCodeValue(code.value())).isSameAs(code.toStatus());
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, -2, 17, 18, 100, Integer.MAX_VALUE, Integer.MIN_VALUE})
  void outOfRangeWireValuesAreUnknown(int value) {
    assertThat(Status.Code.of(value)).isSameAs(Status.Code.UNKNOWN);
    assertThat(Status.fromCodeValue(value).code()).isSameAs(Status.Code.UNKNOWN);
  }

  @ParameterizedTest
  @EnumSource(Status.Code.class)
  void toStatusIsTheCanonicalConstantWithoutDescriptionOrCause(Status.Code code) {
    Status s = code.toStatus();
    assertThat(s.code()).isSameAs(code);
    assertThat(s.description()).isNull();
    assertThat(s.cause()).isNull();
    assertThat(code.toStatus()).isSameAs(s);
    assertThat(s.isOk()).isEqualTo(code == Status.Code.OK);
  }

  @Test
  void constantsMatchTheirCodes() {
    assertThat(Status.OK.code()).isSameAs(Status.Code.OK);
    assertThat(Status.CANCELLED.code()).isSameAs(Status.Code.CANCELLED);
    assertThat(Status.UNKNOWN.code()).isSameAs(Status.Code.UNKNOWN);
    assertThat(Status.INVALID_ARGUMENT.code()).isSameAs(Status.Code.INVALID_ARGUMENT);
    assertThat(Status.DEADLINE_EXCEEDED.code()).isSameAs(Status.Code.DEADLINE_EXCEEDED);
    assertThat(Status.NOT_FOUND.code()).isSameAs(Status.Code.NOT_FOUND);
    assertThat(Status.ALREADY_EXISTS.code()).isSameAs(Status.Code.ALREADY_EXISTS);
    assertThat(Status.PERMISSION_DENIED.code()).isSameAs(Status.Code.PERMISSION_DENIED);
    assertThat(Status.RESOURCE_EXHAUSTED.code()).isSameAs(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(Status.FAILED_PRECONDITION.code()).isSameAs(Status.Code.FAILED_PRECONDITION);
    assertThat(Status.ABORTED.code()).isSameAs(Status.Code.ABORTED);
    assertThat(Status.OUT_OF_RANGE.code()).isSameAs(Status.Code.OUT_OF_RANGE);
    assertThat(Status.UNIMPLEMENTED.code()).isSameAs(Status.Code.UNIMPLEMENTED);
    assertThat(Status.INTERNAL.code()).isSameAs(Status.Code.INTERNAL);
    assertThat(Status.UNAVAILABLE.code()).isSameAs(Status.Code.UNAVAILABLE);
    assertThat(Status.DATA_LOSS.code()).isSameAs(Status.Code.DATA_LOSS);
    assertThat(Status.UNAUTHENTICATED.code()).isSameAs(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void withDescriptionReturnsANewStatusAndLeavesTheConstantAlone() {
    Status s = Status.NOT_FOUND.withDescription("no such thing");
    assertThat(s.code()).isSameAs(Status.Code.NOT_FOUND);
    assertThat(s.description()).isEqualTo("no such thing");
    assertThat(Status.NOT_FOUND.description()).isNull();
    assertThat(s.withDescription("no such thing")).isSameAs(s);
    assertThat(s.withDescription("other").description()).isEqualTo("other");
    assertThat(s.withDescription(null).description()).isNull();
  }

  @Test
  void withDescriptionKeepsTheCause() {
    Throwable cause = new IllegalStateException("boom");
    Status s = Status.INTERNAL.withCause(cause).withDescription("d");
    assertThat(s.cause()).isSameAs(cause);
    assertThat(s.description()).isEqualTo("d");
  }

  @Test
  void augmentDescriptionAppendsOnANewLine() {
    assertThat(Status.INTERNAL.augmentDescription("first").description()).isEqualTo("first");
    Status s = Status.INTERNAL.withDescription("first").augmentDescription("second");
    assertThat(s.description()).isEqualTo("first\nsecond");
    assertThat(s.augmentDescription("third").description()).isEqualTo("first\nsecond\nthird");
    assertThat(s.augmentDescription(null)).isSameAs(s);
    assertThat(s.code()).isSameAs(Status.Code.INTERNAL);
  }

  @Test
  void augmentDescriptionKeepsTheCause() {
    Throwable cause = new RuntimeException();
    Status s = Status.UNAVAILABLE.withCause(cause).augmentDescription("more");
    assertThat(s.cause()).isSameAs(cause);
    assertThat(s.code()).isSameAs(Status.Code.UNAVAILABLE);
  }

  @Test
  void withCauseKeepsCodeAndDescription() {
    Throwable cause = new IOException("io");
    Status s = Status.UNAVAILABLE.withDescription("down").withCause(cause);
    assertThat(s.code()).isSameAs(Status.Code.UNAVAILABLE);
    assertThat(s.description()).isEqualTo("down");
    assertThat(s.cause()).isSameAs(cause);
    assertThat(s.withCause(cause)).isSameAs(s);
    assertThat(s.withCause(null).cause()).isNull();
    assertThat(Status.UNAVAILABLE.cause()).isNull();
  }

  @Test
  void fromThrowableReturnsTheStatusOfAStatusException() {
    Status s = Status.NOT_FOUND.withDescription("gone");
    assertThat(Status.fromThrowable(s.asException())).isSameAs(s);
  }

  @Test
  void fromThrowableFindsAStatusExceptionDeepInTheCauseChain() {
    Status s = Status.PERMISSION_DENIED.withDescription("nope");
    Throwable chain = new CompletionException(
        new ExecutionException(new UncheckedIOException(new IOException(s.asException()))));
    assertThat(Status.fromThrowable(chain)).isSameAs(s);
  }

  @Test
  void fromThrowableTakesTheOutermostStatusException() {
    Status inner = Status.INTERNAL.withDescription("inner");
    Status outer = Status.ABORTED.withDescription("outer");
    Throwable t = new RuntimeException(
        new StatusException(outer.withCause(new StatusException(inner))));
    assertThat(Status.fromThrowable(t).code()).isSameAs(Status.Code.ABORTED);
    assertThat(Status.fromThrowable(t).description()).isEqualTo("outer");
  }

  @Test
  void fromThrowableWithoutStatusIsUnknownWithTheThrowableAsCause() {
    Throwable t = new IllegalArgumentException("bad", new IOException("io"));
    Status s = Status.fromThrowable(t);
    assertThat(s.code()).isSameAs(Status.Code.UNKNOWN);
    assertThat(s.cause()).isSameAs(t);
  }

  @Test
  void asExceptionCarriesStatusAndCauseButNoTrailers() {
    Throwable cause = new IOException("io");
    Status s = Status.DATA_LOSS.withDescription("lost").withCause(cause);
    StatusException e = s.asException();
    assertThat(e.status()).isSameAs(s);
    assertThat(e.trailers()).isNull();
    assertThat(e.getCause()).isSameAs(cause);
    assertThat(e.getMessage()).isEqualTo("DATA_LOSS: lost");
    assertThat(Status.CANCELLED.asException().getMessage()).isEqualTo("CANCELLED");
  }

  @Test
  void asExceptionCarriesTrailers() {
    Metadata trailers = new Metadata().add("x-reason", "quota").addBinary("detail-bin", new byte[] {1, 2});
    StatusException e = Status.RESOURCE_EXHAUSTED.withDescription("quota").asException(trailers);
    assertThat(e.status().code()).isSameAs(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.trailers()).isSameAs(trailers);
    assertThat(e.trailers().get("x-reason")).isEqualTo("quota");
    assertThat(e.trailers().getBinary("detail-bin")).containsExactly(1, 2);
    assertThat(Status.fromThrowable(new RuntimeException(e))).isSameAs(e.status());
  }

  @Test
  void toStringShowsCodeDescriptionAndCause() {
    String text = Status.UNAVAILABLE.withDescription("down").withCause(new IOException("refused")).toString();
    assertThat(text).contains("UNAVAILABLE").contains("down").contains("refused");
    assertThat(Status.OK.toString()).contains("OK").doesNotContain("description");
  }

  /** Touching {@code Status.Code} before {@code Status} (a switch on codes, say) must work. */
  @Test
  void codeCanInitializeBeforeStatus() throws Exception {
    java.net.URL classes = Status.class.getProtectionDomain().getCodeSource().getLocation();
    // A loader of its own, so both classes start uninitialized whatever ran before.
    try (java.net.URLClassLoader fresh = new java.net.URLClassLoader(new java.net.URL[] {classes},
        ClassLoader.getPlatformClassLoader())) {
      Class<?> code = Class.forName("io.conduit.Status$Code", true, fresh);
      Object ok = code.getMethod("valueOf", String.class).invoke(null, "OK");
      Object status = code.getMethod("toStatus").invoke(ok);
      assertThat(status).isNotNull();
      assertThat(status.getClass().getMethod("code").invoke(status)).isSameAs(ok);
      Class<?> statusClass = Class.forName("io.conduit.Status", true, fresh);
      assertThat(statusClass.getField("OK").get(null)).isSameAs(status);
    }
  }
}
