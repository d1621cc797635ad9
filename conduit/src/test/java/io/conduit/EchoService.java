package io.conduit;

import io.conduit.stub.ServerCalls;
import io.conduit.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A string echo service with one method per call type, for transport tests. */
final class EchoService {
  static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));

  static final MethodDescriptor<String, String> UNARY =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Echo/Unary", STRING, STRING);
  static final MethodDescriptor<String, String> SERVER_STREAM =
      MethodDescriptor.of(MethodDescriptor.Type.SERVER_STREAMING, "test.Echo/ServerStream", STRING, STRING);
  static final MethodDescriptor<String, String> CLIENT_STREAM =
      MethodDescriptor.of(MethodDescriptor.Type.CLIENT_STREAMING, "test.Echo/ClientStream", STRING, STRING);
  static final MethodDescriptor<String, String> BIDI =
      MethodDescriptor.of(MethodDescriptor.Type.BIDI_STREAMING, "test.Echo/Bidi", STRING, STRING);

  private EchoService() {}

  /**
   * Unary echoes; a request "fail:CODE:message" fails with that status; "sleep:MS" answers after
   * MS, or as soon as the call is cancelled (its deadline, the client), whichever comes first; "deadline" answers with the remaining deadline in ms or "none". ServerStream sends
   * the request N times where the request is "N:text". ClientStream joins requests with ','.
   * Bidi echoes each request.
   */
  static ServiceDefinition definition() {
    return ServiceDefinition.builder("test.Echo")
        .method(UNARY, ServerCalls.unary((req, out) -> {
          if (req.startsWith("fail:")) {
            String[] parts = req.split(":", 3);
            throw Status.fromCodeValue(Integer.parseInt(parts[1])).withDescription(parts[2]).asException();
          }
          if (req.startsWith("sleep:")) {
            // Waits for the call's end, so that no handler outlives its test.
            java.util.concurrent.CountDownLatch over = new java.util.concurrent.CountDownLatch(1);
            Context.current().addListener(over::countDown);
            try {
              over.await(Long.parseLong(req.substring(6)), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          if (req.equals("deadline")) {
            Deadline d = Context.current().deadline();
            out.onNext(d == null ? "none" : Long.toString(d.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS)));
          } else {
            out.onNext(req);
          }
          out.onCompleted();
        }))
        .method(SERVER_STREAM, ServerCalls.serverStreaming((req, out) -> {
          int colon = req.indexOf(':');
          int n = Integer.parseInt(req.substring(0, colon));
          for (int i = 0; i < n; i++) {
            out.onNext(req.substring(colon + 1) + i);
          }
          out.onCompleted();
        }))
        .method(CLIENT_STREAM, ServerCalls.<String, String>clientStreaming(out -> new StreamObserver<String>() {
          final List<String> all = new ArrayList<>();

          @Override
          public void onNext(String value) {
            all.add(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onNext(String.join(",", all));
            out.onCompleted();
          }
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
