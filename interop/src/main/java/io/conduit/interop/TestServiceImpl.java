package io.conduit.interop;


import com.google.protobuf.ByteString;
import io.conduit.Metadata;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ServerStreamObserver;
import io.conduit.stub.StreamObserver;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.Messages.EchoStatus;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.PayloadType;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceRpc;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code grpc.testing.TestService} server of doc/interop-test-descriptions.md: EmptyCall,
 * UnaryCall (with response_size and response_status), CacheableUnaryCall, StreamingOutputCall and
 * FullDuplexCall (with response_parameters, including interval_us), StreamingInputCall,
 * HalfDuplexCall, and Echo Metadata (see {@link EchoMetadataInterceptor}). UnimplementedCall is
 * deliberately not registered: the server must answer it with UNIMPLEMENTED by itself.
 *
 * <p>Who answered: UnaryCall with {@code fill_server_id} fills {@code server_id} (unique among
 * server instances, the same for every call to one) and {@code hostname}, as the load-balancing
 * tests ask. {@code fill_username} and {@code fill_oauth_scope} leave those fields empty: the
 * server authenticates no one. {@code fill_grpclb_route_type} gets
 * {@code GRPCLB_ROUTE_TYPE_UNKNOWN}, the value for a server that did not detect the route (it is
 * no gRPCLB backend). Without those flags a response carries only what the case asked for, so that
 * clients comparing whole responses (grpc-java's large_unary) see no extra fields.
 *
 * <p>Compression: {@code response_compressed} (UnaryCall) and {@code ResponseParameters.compressed}
 * (the streaming methods) ask for a gzip-compressed response message; the call then announces
 * {@code grpc-encoding: gzip} and only the messages asked for carry the compressed flag
 * ("CompressedResponse"). {@code expect_compressed} on a request is checked by
 * {@link CompressedRequestInterceptor} ("CompressedRequest").
 *
 * <p>Streamed responses are paced on a scheduler of its own, so that {@code interval_us} never
 * blocks a handler thread. Close the service to stop that scheduler.
 */
public final class TestServiceImpl extends TestServiceRpc.Service implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TestServiceImpl.class.getName());

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** The encoding of the responses a client asks to be compressed. */
  static final String RESPONSE_ENCODING = "gzip";

  private final ScheduledExecutorService scheduler;
  private final String serverId;
  private final String hostname;

  /** A service whose server_id is {@code conduit-HOSTNAME-PID}. */
  public TestServiceImpl() {
    this(null);
  }

  /** A service answering {@code fill_server_id} with {@code serverId} (null: the default). */
  public TestServiceImpl(String serverId) {
    this.hostname = Hostname.get();
    this.serverId = serverId != null ? serverId : defaultServerId();
    AtomicInteger threads = new AtomicInteger();
    this.scheduler = Executors.newScheduledThreadPool(2, task -> {
      Thread t = new Thread(task, "interop-responses-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * {@code conduit-HOSTNAME-PID}, with {@code -N} added for the N-th service of one JVM (N > 1):
   * unique among the servers of a host.
   */
  private String defaultServerId() {
    int n = INSTANCES.incrementAndGet();
    return "conduit-" + hostname + "-" + ProcessHandle.current().pid() + (n == 1 ? "" : "-" + n);
  }

  /** The {@code server_id} this service reports. */
  public String serverId() {
    return serverId;
  }

  /**
   * The generated service definition, with the metadata echo and the compressed-request check of
   * the interop spec.
   */
  @Override
  public ServiceDefinition definition() {
    return super.definition()
        .intercept(new EchoMetadataInterceptor(), new CompressedRequestInterceptor());
  }

  /** Stops the response scheduler; responses still waiting for their interval are dropped. */
  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  // ------------------------------------------------------------------------------ unary methods

  @Override
  public void emptyCall(Empty request, ServerStreamObserver<Empty> responses) {
    responses.onNext(Empty.getDefaultInstance());
    responses.onCompleted();
  }

  @Override
  public void unaryCall(SimpleRequest request, ServerStreamObserver<SimpleResponse> responses) {
    if (request.getResponseTypeValue() != PayloadType.COMPRESSABLE_VALUE) {
      throw Status.INVALID_ARGUMENT
          .withDescription("response_type " + request.getResponseTypeValue() + " is not supported")
          .asException();
    }
    throwIfEchoStatus(request.hasResponseStatus(), request.getResponseStatus());
    if (request.getResponseCompressed().getValue()) {
      // Before the response headers, which announce the encoding.
      responses.setCompression(RESPONSE_ENCODING);
    }
    SimpleResponse.Builder response = SimpleResponse.newBuilder();
    if (request.getResponseSize() != 0) {
      response.setPayload(payload(request.getResponseSize()));
    }
    if (request.getFillServerId()) {
      response.setServerId(serverId).setHostname(hostname);
    }
    // fill_username, fill_oauth_scope: no authentication, so empty. fill_grpclb_route_type:
    // GRPCLB_ROUTE_TYPE_UNKNOWN, the default value. See the class comment.
    responses.onNext(response.build());
    responses.onCompleted();
  }

  @Override
  public void cacheableUnaryCall(
      SimpleRequest request, ServerStreamObserver<SimpleResponse> responses) {
    // A body that differs on every call, and headers that let a caching proxy keep the response.
    responses.sendHeaders(new Metadata().add("cache-control", "max-age=60, public"));
    responses.onNext(SimpleResponse.newBuilder()
        .setPayload(Payload.newBuilder()
            .setBody(ByteString.copyFrom(String.valueOf(System.nanoTime()), StandardCharsets.US_ASCII)))
        .build());
    responses.onCompleted();
  }

  // ------------------------------------------------------------------------------ streaming

  @Override
  public void streamingOutputCall(StreamingOutputCallRequest request,
      ServerStreamObserver<StreamingOutputCallResponse> responses) {
    throwIfEchoStatus(request.hasResponseStatus(), request.getResponseStatus());
    ResponseStream stream = new ResponseStream(responses);
    stream.enqueue(request.getResponseParametersList());
    stream.completeInput();
  }

  @Override
  public StreamObserver<StreamingInputCallRequest> streamingInputCall(
      ServerStreamObserver<StreamingInputCallResponse> responses) {
    return new StreamObserver<>() {
      private int aggregatedSize;

      @Override
      public void onNext(StreamingInputCallRequest request) {
        aggregatedSize += request.getPayload().getBody().size();
      }

      @Override
      public void onError(Throwable t) {
        // Cancelled: nothing to answer.
      }

      @Override
      public void onCompleted() {
        responses.onNext(StreamingInputCallResponse.newBuilder()
            .setAggregatedPayloadSize(aggregatedSize)
            .build());
        responses.onCompleted();
      }
    };
  }

  @Override
  public StreamObserver<StreamingOutputCallRequest> fullDuplexCall(
      ServerStreamObserver<StreamingOutputCallResponse> responses) {
    ResponseStream stream = new ResponseStream(responses);
    return new StreamObserver<>() {
      @Override
      public void onNext(StreamingOutputCallRequest request) {
        if (request.hasResponseStatus() && request.getResponseStatus().getCode() != 0) {
          stream.fail(echoStatus(request.getResponseStatus()));
        } else {
          stream.enqueue(request.getResponseParametersList());
        }
      }

      @Override
      public void onError(Throwable t) {
        stream.cancel();
      }

      @Override
      public void onCompleted() {
        stream.completeInput();
      }
    };
  }

  @Override
  public StreamObserver<StreamingOutputCallRequest> halfDuplexCall(
      ServerStreamObserver<StreamingOutputCallResponse> responses) {
    ResponseStream stream = new ResponseStream(responses);
    List<ResponseParameters> all = new ArrayList<>();
    return new StreamObserver<>() {
      @Override
      public void onNext(StreamingOutputCallRequest request) {
        if (request.hasResponseStatus() && request.getResponseStatus().getCode() != 0) {
          stream.fail(echoStatus(request.getResponseStatus()));
        } else {
          all.addAll(request.getResponseParametersList());
        }
      }

      @Override
      public void onError(Throwable t) {
        stream.cancel();
      }

      @Override
      public void onCompleted() {
        stream.enqueue(all);
        stream.completeInput();
      }
    };
  }

  /**
   * The responses of one streaming call, sent in order, each {@code interval_us} after the one
   * before; the call completes once the input is complete and every response is sent. All state
   * is guarded by {@code this}, which also serializes the calls on the response observer between
   * the handler thread and the scheduler.
   *
   * <p>The call gets gzip as its encoding when parameters that ask for a compressed response
   * arrive before the first response is sent (the headers announce the encoding); each message is
   * then compressed or not as its parameters say. Compression asked for only after the headers
   * went out (a later FullDuplexCall request) cannot be had: those responses go uncompressed.
   */
  private final class ResponseStream {
    private final ServerStreamObserver<StreamingOutputCallResponse> responses;
    private final ArrayDeque<ResponseParameters> pending = new ArrayDeque<>();
    private boolean inputComplete;
    private boolean scheduled;
    private boolean done;
    private boolean sentAny;
    private boolean compressing;

    ResponseStream(ServerStreamObserver<StreamingOutputCallResponse> responses) {
      this.responses = responses;
      responses.setOnCancelHandler(this::cancel);
    }

    synchronized void enqueue(List<ResponseParameters> parameters) {
      if (done) {
        return;
      }
      for (ResponseParameters p : parameters) {
        if (p.getSize() < 0 || p.getIntervalUs() < 0) {
          fail(Status.INVALID_ARGUMENT.withDescription(
              "negative size or interval_us in response_parameters: " + p));
          return;
        }
      }
      if (!sentAny && !compressing
          && parameters.stream().anyMatch(p -> p.getCompressed().getValue())) {
        responses.setCompression(RESPONSE_ENCODING);
        compressing = true;
      }
      pending.addAll(parameters);
      scheduleNext();
    }

    synchronized void completeInput() {
      if (done) {
        return;
      }
      inputComplete = true;
      scheduleNext();
    }

    /** Ends the call with {@code status} and ignores everything after. */
    synchronized void fail(Status status) {
      if (done) {
        return;
      }
      done = true;
      pending.clear();
      responses.onError(status.asException());
    }

    synchronized void cancel() {
      done = true;
      pending.clear();
    }

    private void scheduleNext() {
      if (scheduled || done) {
        return;
      }
      ResponseParameters next = pending.peek();
      if (next == null) {
        if (inputComplete) {
          done = true;
          responses.onCompleted();
        }
        return;
      }
      scheduled = true;
      scheduler.schedule(this::sendNext, next.getIntervalUs(), TimeUnit.MICROSECONDS);
    }

    private synchronized void sendNext() {
      scheduled = false;
      if (done) {
        return;
      }
      ResponseParameters parameters = pending.poll();
      try {
        if (compressing) {
          responses.setMessageCompression(parameters.getCompressed().getValue());
        }
        sentAny = true;
        responses.onNext(StreamingOutputCallResponse.newBuilder()
            .setPayload(payload(parameters.getSize()))
            .build());
      } catch (StatusException e) {
        // The call was cancelled meanwhile.
        cancel();
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "sending a streamed response failed", e);
        fail(Status.INTERNAL.withDescription("sending a response failed: " + e).withCause(e));
        return;
      }
      scheduleNext();
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private static void throwIfEchoStatus(boolean present, EchoStatus echo) {
    // Code 0 asks for no error: serve the call normally.
    if (present && echo.getCode() != 0) {
      throw echoStatus(echo).asException();
    }
  }

  private static Status echoStatus(EchoStatus echo) {
    return Status.fromCodeValue(echo.getCode()).withDescription(echo.getMessage());
  }

  private static Payload payload(int size) {
    if (size < 0) {
      throw Status.INVALID_ARGUMENT.withDescription("negative response size: " + size).asException();
    }
    return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
  }
}
