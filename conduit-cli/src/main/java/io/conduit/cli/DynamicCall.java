package io.conduit.cli;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.protobuf.ProtoMarshaller;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One call of a method known only by its descriptor: requests and responses are
 * {@link DynamicMessage}s, each response handed on as it arrives (one at a time is asked of the
 * server, so a long stream is not buffered).
 */
final class DynamicCall {
  private DynamicCall() {}

  /**
   * Sends {@code requests} (each parsed just before it is sent), half-closes and waits for the
   * end. A request that fails to parse cancels the call and is thrown.
   */
  static Status run(CallFactory channel, CallOptions options, MethodDescriptor method,
      Iterator<DynamicMessage> requests, Consumer<DynamicMessage> responses, PrintStream err,
      boolean verbose) {
    io.conduit.MethodDescriptor<DynamicMessage, DynamicMessage> descriptor = io.conduit.MethodDescriptor.of(
        type(method), method.getService().getFullName() + "/" + method.getName(),
        ProtoMarshaller.of(DynamicMessage.getDefaultInstance(method.getInputType())),
        ProtoMarshaller.of(DynamicMessage.getDefaultInstance(method.getOutputType())));
    ClientCall<DynamicMessage, DynamicMessage> call = channel.newCall(descriptor, options);
    CompletableFuture<Status> done = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onHeaders(Metadata headers) {
        if (verbose) {
          print(err, "Response headers received:", headers);
        }
      }

      @Override
      public void onMessage(DynamicMessage message) {
        responses.accept(message);
        call.request(1);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        if (verbose) {
          print(err, "Response trailers received:", trailers);
        }
        done.complete(status);
      }
    }, new Metadata());
    call.request(1);
    try {
      while (!done.isDone() && requests.hasNext()) {
        call.sendMessage(requests.next());
      }
    } catch (RuntimeException e) {
      call.cancel("the request could not be read", e);
      throw e;
    }
    call.halfClose();
    return done.join();
  }

  private static io.conduit.MethodDescriptor.Type type(MethodDescriptor method) {
    if (method.isClientStreaming()) {
      return method.isServerStreaming()
          ? io.conduit.MethodDescriptor.Type.BIDI_STREAMING
          : io.conduit.MethodDescriptor.Type.CLIENT_STREAMING;
    }
    return method.isServerStreaming()
        ? io.conduit.MethodDescriptor.Type.SERVER_STREAMING
        : io.conduit.MethodDescriptor.Type.UNARY;
  }

  private static void print(PrintStream err, String title, Metadata metadata) {
    StringBuilder text = new StringBuilder(title).append('\n');
    for (Metadata.Entry e : metadata.entries()) {
      text.append(e.key()).append(": ").append(e.wireValue()).append('\n');
    }
    err.print(text);
    err.flush();
  }
}
