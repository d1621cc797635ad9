package io.conduit.internal.web;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int32Value;
import com.google.protobuf.Mixin;
import com.google.protobuf.StringValue;
import com.google.protobuf.UnknownFieldSet;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.ServerCall;
import io.conduit.ServerCallHandler;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.protobuf.ProtoMarshaller;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The service the web protocol tests call, with protobuf messages (so JSON works too).
 *
 * <ul>
 *   <li>{@code Echo} echoes; "fail:CODE:text" fails with that status and trailers
 *       {@code x-trailer: t}, {@code x-data-bin: 0x01 0x02}; "headers" answers the request's
 *       {@code x-custom} and {@code x-data-bin} (as hex); "wait" answers nothing until the call
 *       is cancelled; "details:CODE:text" fails with a {@code google.rpc.Status} in
 *       {@code grpc-status-details-bin} holding two details (a StringValue "why", an Int32Value
 *       7), "baddetails:CODE:text" with bytes there that are no such message. Every answer has
 *       the response header {@code x-header: h}.
 *   <li>{@code Greet} (no side effects, so GET may call it) answers "hello NAME" in a Mixin.
 *   <li>{@code Count} streams "0" .. "N-1" for a request "N".
 *   <li>{@code Collect} (client streaming) joins its requests with commas.
 * </ul>
 */
final class WebTestService {
  static final ProtoMarshaller<StringValue> STRING = ProtoMarshaller.of(StringValue.getDefaultInstance());
  static final ProtoMarshaller<Mixin> MIXIN = ProtoMarshaller.of(Mixin.getDefaultInstance());
  static final MethodDescriptor<StringValue, StringValue> ECHO =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "test.Web/Echo", STRING, STRING);
  static final MethodDescriptor<Mixin, Mixin> GREET = MethodDescriptor.<Mixin, Mixin>builder()
      .type(MethodDescriptor.Type.UNARY).fullMethodName("test.Web/Greet")
      .requestMarshaller(MIXIN).responseMarshaller(MIXIN).safe(true).build();
  static final MethodDescriptor<StringValue, StringValue> COUNT =
      MethodDescriptor.of(MethodDescriptor.Type.SERVER_STREAMING, "test.Web/Count", STRING, STRING);
  static final MethodDescriptor<StringValue, StringValue> COLLECT =
      MethodDescriptor.of(MethodDescriptor.Type.CLIENT_STREAMING, "test.Web/Collect", STRING, STRING);

  /** The calls that waited and were cancelled, by their status. */
  final LinkedBlockingQueue<String> cancelled = new LinkedBlockingQueue<>();
  /** Counts down when a "wait" call has begun waiting. */
  volatile CountDownLatch waiting = new CountDownLatch(1);

  ServiceDefinition definition() {
    return ServiceDefinition.builder("test.Web")
        .method(ECHO, this::echo)
        .method(GREET, unary(req -> Mixin.newBuilder().setName("hello " + req.getName()).build()))
        .method(COUNT, WebTestService::count)
        .method(COLLECT, WebTestService::collect)
        .build();
  }

  private static ServerCall.Listener<StringValue> count(ServerCall<StringValue, StringValue> call,
      Metadata headers) {
    call.request(1);
    return new ServerCall.Listener<StringValue>() {
      @Override
      public void onMessage(StringValue message) {
        int n = Integer.parseInt(message.getValue());
        call.sendHeaders(new Metadata());
        for (int i = 0; i < n; i++) {
          call.sendMessage(StringValue.of(Integer.toString(i)));
        }
        call.close(Status.OK, new Metadata());
      }
    };
  }

  private static ServerCall.Listener<StringValue> collect(ServerCall<StringValue, StringValue> call,
      Metadata headers) {
    call.request(Integer.MAX_VALUE);
    StringBuilder all = new StringBuilder();
    return new ServerCall.Listener<StringValue>() {
      @Override
      public void onMessage(StringValue message) {
        all.append(all.length() == 0 ? "" : ",").append(message.getValue());
      }

      @Override
      public void onHalfClose() {
        call.sendMessage(StringValue.of(all.toString()));
        call.close(Status.OK, new Metadata());
      }
    };
  }

  private static <Q, R> ServerCallHandler<Q, R> unary(java.util.function.Function<Q, R> f) {
    return (call, headers) -> {
      call.request(1);
      return new ServerCall.Listener<Q>() {
        @Override
        public void onMessage(Q message) {
          call.sendMessage(f.apply(message));
          call.close(Status.OK, new Metadata());
        }
      };
    };
  }

  /** A {@code google.rpc.Status} (code 1, message 2, details 3) built from its wire fields. */
  static byte[] statusProto(Status status, Any... details) {
    UnknownFieldSet.Field.Builder anys = UnknownFieldSet.Field.newBuilder();
    for (Any a : details) {
      anys.addLengthDelimited(a.toByteString());
    }
    return UnknownFieldSet.newBuilder()
        .addField(1, UnknownFieldSet.Field.newBuilder().addVarint(status.code().value()).build())
        .addField(2, UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(ByteString.copyFromUtf8(status.description())).build())
        .addField(3, anys.build())
        .build().toByteArray();
  }

  private ServerCall.Listener<StringValue> echo(ServerCall<StringValue, StringValue> call,
      Metadata headers) {
    call.request(1);
    return new ServerCall.Listener<StringValue>() {
      @Override
      public void onMessage(StringValue message) {
        String req = message.getValue();
        call.sendHeaders(new Metadata().add("x-header", "h"));
        if (req.startsWith("details:") || req.startsWith("baddetails:")) {
          String[] parts = req.split(":", 3);
          Status status = Status.fromCodeValue(Integer.parseInt(parts[1])).withDescription(parts[2]);
          byte[] details = req.startsWith("details:")
              ? statusProto(status, Any.pack(StringValue.of("why")), Any.pack(Int32Value.of(7)))
              : new byte[] {(byte) 0xff, 0x01};
          call.close(status, new Metadata().add("x-trailer", "t")
              .addBinary("grpc-status-details-bin", details));
        } else if (req.startsWith("fail:")) {
          String[] parts = req.split(":", 3);
          call.close(Status.fromCodeValue(Integer.parseInt(parts[1])).withDescription(parts[2]),
              new Metadata().add("x-trailer", "t").addBinary("x-data-bin", new byte[] {1, 2}));
        } else if (req.equals("wait")) {
          waiting.countDown();
        } else {
          String answer = req;
          if (req.equals("headers")) {
            byte[] data = headers.getBinary("x-data-bin");
            answer = headers.get("x-custom") + ","
                + (data == null ? "none" : java.util.HexFormat.of().formatHex(data));
          }
          call.sendMessage(StringValue.of(answer));
          call.close(Status.OK, new Metadata());
        }
      }

      @Override
      public void onCancel() {
        cancelled.add("cancelled");
      }
    };
  }
}
