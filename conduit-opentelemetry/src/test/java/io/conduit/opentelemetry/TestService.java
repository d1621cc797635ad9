package io.conduit.opentelemetry;

import io.conduit.Context;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.StreamObserver;
import io.conduit.testing.FakeClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A string service whose methods are marked generated (so metrics name them). Unary answers
 * with its request after advancing the test's clock by 250 ms (so durations are exact);
 * "fail:CODE:message" fails with that status; "hang" waits for the call's end. ServerStream sends
 * "N:x" as N messages; Bidi echoes.
 */
final class TestService {
  static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  static final MethodDescriptor<String, String> UNARY = method(MethodDescriptor.Type.UNARY, "Unary", true);
  static final MethodDescriptor<String, String> SERVER_STREAM =
      method(MethodDescriptor.Type.SERVER_STREAMING, "ServerStream", true);
  static final MethodDescriptor<String, String> BIDI = method(MethodDescriptor.Type.BIDI_STREAMING, "Bidi", true);
  /** The same unary method, described by hand (not generated). */
  static final MethodDescriptor<String, String> UNARY_BY_HAND =
      method(MethodDescriptor.Type.UNARY, "Unary", false);

  private TestService() {}

  static MethodDescriptor<String, String> method(MethodDescriptor.Type type, String name, boolean generated) {
    return MethodDescriptor.<String, String>builder().type(type)
        .fullMethodName("test.Telemetry/" + name).requestMarshaller(STRING).responseMarshaller(STRING)
        .generated(generated).build();
  }

  static ServiceDefinition definition(FakeClock clock) {
    return ServiceDefinition.builder("test.Telemetry")
        .method(UNARY, ServerCalls.unary((req, out) -> {
          clock.advance(Duration.ofMillis(250));
          if (req.startsWith("fail:")) {
            String[] parts = req.split(":", 3);
            throw Status.Code.valueOf(parts[1]).toStatus().withDescription(parts[2]).asException();
          }
          if (req.equals("hang")) {
            CountDownLatch over = new CountDownLatch(1);
            Context.current().addListener(over::countDown);
            try {
              over.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          out.onNext(req);
          out.onCompleted();
        }))
        .method(SERVER_STREAM, ServerCalls.serverStreaming((req, out) -> {
          int colon = req.indexOf(':');
          int n = Integer.parseInt(req.substring(0, colon));
          for (int i = 0; i < n; i++) {
            out.onNext(req.substring(colon + 1));
          }
          out.onCompleted();
        }))
        .method(BIDI, ServerCalls.<String, String>bidiStreaming(out -> new StreamObserver<String>() {
          @Override
          public void onNext(String value) {
            out.onNext(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        }))
        .build();
  }
}
