package io.conduit.interop;

import static io.grpc.testing.integration.TestServiceRpc.EMPTY_CALL;
import static io.grpc.testing.integration.TestServiceRpc.FULL_DUPLEX_CALL;
import static io.grpc.testing.integration.TestServiceRpc.STREAMING_INPUT_CALL;
import static io.grpc.testing.integration.TestServiceRpc.STREAMING_OUTPUT_CALL;
import static io.grpc.testing.integration.TestServiceRpc.UNARY_CALL;
import static io.grpc.testing.integration.TestServiceRpc.UNIMPLEMENTED_CALL;

import com.google.protobuf.ByteString;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ClientCall;
import io.conduit.ClientInterceptor;
import io.conduit.Deadline;
import io.conduit.ForwardingClientCall;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.BlockingCall;
import io.conduit.stub.BlockingIterator;
import io.conduit.stub.ClientCalls;
import io.grpc.testing.integration.EmptyProtos.Empty;
import io.grpc.testing.integration.UnimplementedServiceRpc;
import io.grpc.testing.integration.Messages.BoolValue;
import io.grpc.testing.integration.Messages.EchoStatus;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The interop client: runs the test cases of doc/interop-test-descriptions.md against a
 * {@code grpc.testing.TestService} server, checking every assertion each case lists.
 *
 * <pre>
 * interop/bin/client --server_host=localhost --server_port=10000 --use_tls=false \
 *     --test_case=large_unary,ping_pong
 * interop/bin/client --server_host=ipv4:127.0.0.1:5001,127.0.0.2:5001 --lb_policy=round_robin \
 *     --test_case=lb_spread --num_times=300
 * </pre>
 *
 * <p>{@code --server_host} may be a target URI ({@link Targets}) instead of a host; the channel
 * then resolves it and balances calls over its addresses by {@code --lb_policy} or
 * {@code --service_config_json}.
 *
 * <p>Prints {@code PASS <case>} or {@code FAIL <case>: <why>} per case and exits non-zero when
 * any case failed.
 */
public final class InteropClient {

  /** The supported test cases, named as in the descriptions (and as grpc-java names its own). */
  public enum TestCase {
    EMPTY_UNARY,
    LARGE_UNARY,
    /**
     * Probes first: an uncompressed request with {@code expect_compressed} must fail with
     * INVALID_ARGUMENT. Needs a server that checks {@code expect_compressed} (Conduit's, grpc C++);
     * grpc-java's does not: use the {@code _noprobe} variant there.
     */
    CLIENT_COMPRESSED_UNARY(Group.NEEDS_COMPRESSED_REQUEST_CHECK),
    /** grpc-java's client_compressed_unary without the probe, for servers that do not check. */
    CLIENT_COMPRESSED_UNARY_NOPROBE(Group.EXTRA),
    SERVER_COMPRESSED_UNARY,
    CLIENT_STREAMING,
    /** Probes first, as {@link #CLIENT_COMPRESSED_UNARY} does. */
    CLIENT_COMPRESSED_STREAMING(Group.NEEDS_COMPRESSED_REQUEST_CHECK),
    /** grpc-java's client_compressed_streaming without the probe. */
    CLIENT_COMPRESSED_STREAMING_NOPROBE(Group.EXTRA),
    SERVER_STREAMING,
    SERVER_COMPRESSED_STREAMING,
    PING_PONG,
    EMPTY_STREAM,
    CUSTOM_METADATA,
    STATUS_CODE_AND_MESSAGE,
    SPECIAL_STATUS_MESSAGE,
    UNIMPLEMENTED_METHOD,
    UNIMPLEMENTED_SERVICE,
    CANCEL_AFTER_BEGIN,
    CANCEL_AFTER_FIRST_RESPONSE,
    TIMEOUT_ON_SLEEPING_SERVER,
    VERY_LARGE_REQUEST,
    /**
     * Not in the descriptions: {@code --num_times} UnaryCalls with {@code fill_server_id}, then
     * one line {@code backend ID: N} per backend that answered, sorted by ID. Fails at the first
     * failed call or response without a server_id. Needs servers that fill server_id (Conduit's
     * interop server does; grpc-java's TestServiceServer does not), so "all" leaves it out.
     */
    LB_SPREAD(Group.EXTRA);

    /** Which servers a case is for. */
    private enum Group {
      /** In the descriptions; any interop server passes it. */
      STANDARD,
      /**
       * In the descriptions, but needs the server's "CompressedRequest" feature, which
       * grpc-java's interop server lacks.
       */
      NEEDS_COMPRESSED_REQUEST_CHECK,
      /** Not in "all". */
      EXTRA
    }

    private final Group group;

    TestCase() {
      this(Group.STANDARD);
    }

    TestCase(Group group) {
      this.group = group;
    }

    /** The name on the command line, e.g. {@code empty_unary}. */
    public String caseName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** A case of doc/interop-test-descriptions.md: one that {@code all} runs. */
    public boolean isStandard() {
      return group != Group.EXTRA;
    }

    /**
     * Whether the case needs a server that fails a request whose {@code expect_compressed} does
     * not match how it arrived (the probes of client_compressed_*); grpc-java's does not.
     */
    public boolean needsCompressedRequestCheck() {
      return group == Group.NEEDS_COMPRESSED_REQUEST_CHECK;
    }

    /** The standard cases: what {@code --test_case=all} runs. */
    public static List<TestCase> standardCases() {
      return Arrays.stream(values()).filter(TestCase::isStandard).toList();
    }

    static TestCase fromName(String name) {
      for (TestCase c : values()) {
        if (c.caseName().equals(name)) {
          return c;
        }
      }
      return null;
    }
  }

  /** How long any single wait inside a case may take. */
  static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(30);
  /** How long a whole case may take before it is reported as hanging. */
  static final Duration CASE_TIMEOUT = Duration.ofSeconds(60);
  /** The deadline of each of lb_spread's calls. */
  static final Duration LB_SPREAD_CALL_TIMEOUT = Duration.ofSeconds(10);

  static final String ECHO_INITIAL_VALUE = "test_initial_metadata_value";
  static final byte[] ECHO_TRAILING_VALUE = {(byte) 0xab, (byte) 0xab, (byte) 0xab};
  static final String SPECIAL_STATUS_MESSAGE =
      "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";

  /** The encoding of the compressed requests of client_compressed_*. */
  static final String REQUEST_ENCODING = "gzip";
  /** How long the probe of client_compressed_streaming waits for the server to reject it. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  /** lb_spread's number of calls unless {@code --num_times} says otherwise. */
  static final int DEFAULT_NUM_TIMES = 300;

  private static final Set<String> FLAGS = Set.of(
      "server_host", "server_host_override", "server_port", "use_tls", "use_test_ca", "test_case",
      "lb_policy", "service_config_json", "num_times");

  private final CallFactory channel;
  private final int numTimes;
  private final PrintStream out;

  /** A client making its calls on {@code channel}; lb_spread makes 300 and prints to stdout. */
  public InteropClient(CallFactory channel) {
    this(channel, DEFAULT_NUM_TIMES, System.out);
  }

  /** A client whose lb_spread makes {@code numTimes} calls and prints its counts to {@code out}. */
  public InteropClient(CallFactory channel, int numTimes, PrintStream out) {
    this.channel = Objects.requireNonNull(channel, "channel");
    if (numTimes < 1) {
      throw new IllegalArgumentException("numTimes must be > 0: " + numTimes);
    }
    this.numTimes = numTimes;
    this.out = Objects.requireNonNull(out, "out");
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the client as {@link #main} does and returns the exit code: 0 when every case passed,
   * 1 when one failed, 2 for a bad command line.
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    String host;
    String authority;
    int port;
    int numTimes;
    List<TestCase> cases = new ArrayList<>();
    Channel channel;
    try {
      Flags flags = Flags.parse(args, FLAGS);
      if (flags.has("help")) {
        usage(out);
        return 0;
      }
      boolean useTls = flags.bool("use_tls", false);
      boolean useTestCa = flags.bool("use_test_ca", false);
      host = flags.string("server_host", "localhost");
      port = flags.port("server_port", 8080);
      numTimes = flags.positiveInt("num_times", DEFAULT_NUM_TIMES);
      String override = flags.string("server_host_override", null);
      authority = override == null ? null : hostPort(override, port);
      for (String name : flags.string("test_case", "empty_unary").split(",", -1)) {
        String trimmed = name.trim();
        if (trimmed.equals("all")) {
          cases.addAll(TestCase.standardCases());
          continue;
        }
        TestCase c = TestCase.fromName(trimmed);
        if (c == null) {
          throw new Flags.UsageException("unknown test case '" + trimmed + "'");
        }
        cases.add(c);
      }
      channel = newChannel(host, port, authority, flags.string("lb_policy", null),
          flags.string("service_config_json", null),
          useTls ? InteropTls.channelTls(useTestCa) : null);
    } catch (Flags.UsageException e) {
      err.println("interop client: " + e.getMessage());
      usage(err);
      return 2;
    }

    ExecutorService runner = newCaseRunner();
    int failed = 0;
    boolean hung = false;
    try {
      InteropClient client = new InteropClient(channel, numTimes, out);
      for (TestCase c : cases) {
        String failure = runBounded(runner, client, c, caseTimeout(c, numTimes));
        if (failure == null) {
          out.println("PASS " + c.caseName());
        } else {
          failed++;
          out.println("FAIL " + c.caseName() + ": " + failure);
          if (failure.startsWith("timed out")) {
            // The case still holds the runner thread; the rest need a fresh one.
            hung = true;
            runner.shutdownNow();
            runner = newCaseRunner();
          }
        }
        out.flush();
      }
    } finally {
      runner.shutdownNow();
      if (hung) {
        channel.shutdownNow();
      } else {
        channel.close();
      }
    }
    if (cases.size() > 1) {
      out.println((cases.size() - failed) + " passed, " + failed + " failed");
    }
    return failed == 0 ? 0 : 1;
  }

  /**
   * The channel the flags ask for: to {@code host:port}, or to the target URI in {@code host}
   * with {@code port} as its default port.
   */
  static Channel newChannel(String host, int port, String authority, String lbPolicy,
      String serviceConfigJson, io.conduit.ChannelTls tls) throws Flags.UsageException {
    boolean uri = Targets.isUri(host);
    Channel.Builder builder = uri
        ? Channel.builder(Targets.withDefaultPort(host, port))
        : Channel.forAddress(host, port);
    if (tls == null) {
      builder.plaintext();
    } else {
      builder.tls(tls);
    }
    if (authority != null) {
      builder.authority(authority);
    }
    if (lbPolicy != null) {
      builder.loadBalancingPolicy(lbPolicy);
    }
    if (serviceConfigJson != null) {
      builder.defaultServiceConfig(serviceConfigJson);
    }
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      // A bad target, policy or service config: the message says which.
      throw new Flags.UsageException("cannot make a channel to "
          + (uri ? host : hostPort(host, port)) + ": " + e.getMessage());
    }
  }

  /** {@link #CASE_TIMEOUT}, with room for lb_spread's calls when there are many. */
  private static Duration caseTimeout(TestCase c, int numTimes) {
    return c == TestCase.LB_SPREAD ? CASE_TIMEOUT.plusMillis(10L * numTimes) : CASE_TIMEOUT;
  }

  private static ExecutorService newCaseRunner() {
    return Executors.newSingleThreadExecutor(task -> {
      Thread t = new Thread(task, "interop-client-case");
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs one case within {@code timeout}; returns {@code null} on success, else why not. */
  private static String runBounded(ExecutorService runner, InteropClient client, TestCase c,
      Duration timeout) {
    Future<?> result = runner.submit(() -> {
      client.runTest(c);
      return null;
    });
    try {
      result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return null;
    } catch (TimeoutException e) {
      result.cancel(true);
      return "timed out after " + timeout.toSeconds() + " s";
    } catch (InterruptedException e) {
      result.cancel(true);
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (ExecutionException e) {
      return describe(e.getCause());
    }
  }

  private static String describe(Throwable t) {
    if (t instanceof AssertionError) {
      return t.getMessage();
    }
    if (t instanceof StatusException se) {
      return "call failed unexpectedly with " + se.status();
    }
    StringBuilder sb = new StringBuilder("unexpected exception ").append(t);
    for (Throwable c = t.getCause(); c != null && c != t; c = c.getCause()) {
      sb.append("; caused by ").append(c);
    }
    return sb.toString();
  }

  /** Runs one case; throws {@link AssertionError} (or the unexpected exception) if it fails. */
  public void runTest(TestCase testCase) throws Exception {
    switch (testCase) {
      case EMPTY_UNARY -> emptyUnary();
      case LARGE_UNARY -> largeUnary();
      case CLIENT_COMPRESSED_UNARY -> clientCompressedUnary(true);
      case CLIENT_COMPRESSED_UNARY_NOPROBE -> clientCompressedUnary(false);
      case SERVER_COMPRESSED_UNARY -> serverCompressedUnary();
      case CLIENT_COMPRESSED_STREAMING -> clientCompressedStreaming(true);
      case CLIENT_COMPRESSED_STREAMING_NOPROBE -> clientCompressedStreaming(false);
      case SERVER_COMPRESSED_STREAMING -> serverCompressedStreaming();
      case CLIENT_STREAMING -> clientStreaming();
      case SERVER_STREAMING -> serverStreaming();
      case PING_PONG -> pingPong();
      case EMPTY_STREAM -> emptyStream();
      case CUSTOM_METADATA -> customMetadata();
      case STATUS_CODE_AND_MESSAGE -> statusCodeAndMessage();
      case SPECIAL_STATUS_MESSAGE -> specialStatusMessage();
      case UNIMPLEMENTED_METHOD -> unimplemented(UNIMPLEMENTED_CALL);
      case UNIMPLEMENTED_SERVICE -> unimplemented(UnimplementedServiceRpc.UNIMPLEMENTED_CALL);
      case CANCEL_AFTER_BEGIN -> cancelAfterBegin();
      case CANCEL_AFTER_FIRST_RESPONSE -> cancelAfterFirstResponse();
      case TIMEOUT_ON_SLEEPING_SERVER -> timeoutOnSleepingServer();
      case VERY_LARGE_REQUEST -> veryLargeRequest();
      case LB_SPREAD -> lbSpread();
    }
  }

  // ------------------------------------------------------------------------------ the cases

  private void emptyUnary() {
    Empty response = ClientCalls.blockingUnary(
        channel, EMPTY_CALL, CallOptions.DEFAULT, Empty.getDefaultInstance());
    check(response != null, "EmptyCall returned a null response");
    check(response.getSerializedSize() == 0,
        "EmptyCall response is not empty: %s bytes", response.getSerializedSize());
  }

  private void largeUnary() {
    SimpleResponse response = ClientCalls.blockingUnary(
        channel, UNARY_CALL, CallOptions.DEFAULT, simpleRequest(314159, 271828));
    checkPayload("UnaryCall response", response.getPayload(), 314159);
  }

  /**
   * client_compressed_unary: with {@code probe}, an uncompressed request that says
   * {@code expect_compressed} must fail with INVALID_ARGUMENT (the server checks the feature);
   * then a gzip-compressed request that expects compression and an uncompressed one that does
   * not both succeed.
   */
  private void clientCompressedUnary(boolean probe) {
    SimpleRequest expectCompressed = simpleRequest(314159, 271828).toBuilder()
        .setExpectCompressed(BoolValue.newBuilder().setValue(true))
        .build();
    SimpleRequest expectUncompressed = simpleRequest(314159, 271828).toBuilder()
        .setExpectCompressed(BoolValue.newBuilder().setValue(false))
        .build();
    if (probe) {
      Status status;
      try {
        ClientCalls.blockingUnary(channel, UNARY_CALL, CallOptions.DEFAULT, expectCompressed);
        status = Status.OK;
      } catch (StatusException e) {
        status = e.status();
      }
      checkProbeStatus(status, "client_compressed_unary");
    }
    SimpleResponse compressed = ClientCalls.blockingUnary(channel, UNARY_CALL,
        CallOptions.DEFAULT.withCompression(REQUEST_ENCODING), expectCompressed);
    checkPayload("compressed UnaryCall's response", compressed.getPayload(), 314159);
    SimpleResponse uncompressed = ClientCalls.blockingUnary(
        channel, UNARY_CALL, CallOptions.DEFAULT, expectUncompressed);
    checkPayload("uncompressed UnaryCall's response", uncompressed.getPayload(), 314159);
  }

  /**
   * server_compressed_unary: responses asked for with and without compression. Whether a response
   * message carried the compressed flag is not visible to a Conduit client (as to a grpc-java
   * one), so this checks that both decode to the expected payload; the interop tests check the
   * flag on the wire.
   */
  private void serverCompressedUnary() {
    for (boolean compressed : new boolean[] {true, false}) {
      SimpleRequest request = simpleRequest(314159, 271828).toBuilder()
          .setResponseCompressed(BoolValue.newBuilder().setValue(compressed))
          .build();
      SimpleResponse response =
          ClientCalls.blockingUnary(channel, UNARY_CALL, CallOptions.DEFAULT, request);
      checkPayload("UnaryCall response with response_compressed=" + compressed,
          response.getPayload(), 314159);
    }
  }

  /**
   * client_compressed_streaming: with {@code probe}, a StreamingInputCall whose first message,
   * uncompressed, says {@code expect_compressed} must fail with INVALID_ARGUMENT before the client
   * half-closes; then a gzip call sends a compressed message that expects compression and an
   * uncompressed one that does not, and gets the sum of both.
   */
  private void clientCompressedStreaming(boolean probe) {
    StreamingInputCallRequest expectCompressed = StreamingInputCallRequest.newBuilder()
        .setExpectCompressed(BoolValue.newBuilder().setValue(true))
        .setPayload(zeros(27182))
        .build();
    StreamingInputCallRequest expectUncompressed = StreamingInputCallRequest.newBuilder()
        .setExpectCompressed(BoolValue.newBuilder().setValue(false))
        .setPayload(zeros(45904))
        .build();
    if (probe) {
      // Not half-closed: the server must reject the message itself, not the finished stream. A
      // server without the check would keep the call open; the deadline ends the wait.
      Recorder<StreamingInputCallResponse> probeRecorder = new Recorder<>();
      ClientCall<StreamingInputCallRequest, StreamingInputCallResponse> probeCall =
          channel.newCall(STREAMING_INPUT_CALL, CallOptions.DEFAULT.withTimeout(PROBE_TIMEOUT));
      probeCall.start(probeRecorder, new Metadata());
      probeCall.request(1);
      probeCall.sendMessage(expectCompressed);
      Status status = probeRecorder.awaitClose();
      checkProbeStatus(status, "client_compressed_streaming");
    }
    Recorder<StreamingInputCallResponse> recorder = new Recorder<>();
    ClientCall<StreamingInputCallRequest, StreamingInputCallResponse> call = channel.newCall(
        STREAMING_INPUT_CALL, CallOptions.DEFAULT.withCompression(REQUEST_ENCODING));
    call.start(recorder, new Metadata());
    call.request(1);
    call.setMessageCompression(true);
    call.sendMessage(expectCompressed);
    call.setMessageCompression(false);
    call.sendMessage(expectUncompressed);
    call.halfClose();
    Status status = recorder.awaitClose();
    check(status.isOk(), "the compressed StreamingInputCall failed with %s", status);
    check(recorder.received() == 1, "received %s responses, expected 1", recorder.received());
    StreamingInputCallResponse response = recorder.awaitMessage();
    check(response.getAggregatedPayloadSize() == 73086,
        "aggregated_payload_size is %s, expected 73086", response.getAggregatedPayloadSize());
  }

  /**
   * server_compressed_streaming: a compressed then an uncompressed response on one call. As in
   * {@link #serverCompressedUnary}, the compressed flag itself is not visible here.
   */
  private void serverCompressedStreaming() {
    StreamingOutputCallRequest request = StreamingOutputCallRequest.newBuilder()
        .addResponseParameters(ResponseParameters.newBuilder()
            .setCompressed(BoolValue.newBuilder().setValue(true)).setSize(31415))
        .addResponseParameters(ResponseParameters.newBuilder()
            .setCompressed(BoolValue.newBuilder().setValue(false)).setSize(92653))
        .build();
    int[] sizes = {31415, 92653};
    List<StreamingOutputCallResponse> responses = new ArrayList<>();
    try (BlockingIterator<StreamingOutputCallResponse> it = ClientCalls.blockingServerStreaming(
        channel, STREAMING_OUTPUT_CALL, CallOptions.DEFAULT, request)) {
      while (it.hasNext()) {
        responses.add(it.next());
      }
    }
    check(responses.size() == sizes.length,
        "received %s responses, expected %s", responses.size(), sizes.length);
    for (int i = 0; i < sizes.length; i++) {
      checkPayload("response " + i, responses.get(i).getPayload(), sizes[i]);
    }
  }

  /** The probe of client_compressed_*: INVALID_ARGUMENT, or a hint at the _noprobe variant. */
  private static void checkProbeStatus(Status status, String caseName) {
    check(status.code() == Status.Code.INVALID_ARGUMENT,
        "the CompressedRequest probe (an uncompressed request with expect_compressed=true) "
            + "should fail with INVALID_ARGUMENT, got %s; a server that does not check "
            + "expect_compressed (grpc-java's) needs %s_noprobe", status.code()
            + (status.description() == null ? "" : " (" + status.description() + ")"), caseName);
  }

  private void clientStreaming() {
    int[] sizes = {27182, 8, 1828, 45904};
    StreamingInputCallResponse response;
    try (BlockingCall<StreamingInputCallRequest, StreamingInputCallResponse> call =
        ClientCalls.blockingStreaming(channel, STREAMING_INPUT_CALL, CallOptions.DEFAULT)) {
      for (int size : sizes) {
        call.send(StreamingInputCallRequest.newBuilder().setPayload(zeros(size)).build());
      }
      response = call.finish();
    }
    check(response.getAggregatedPayloadSize() == 74922,
        "aggregated_payload_size is %s, expected 74922", response.getAggregatedPayloadSize());
  }

  private void serverStreaming() {
    int[] sizes = {31415, 9, 2653, 58979};
    StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
    for (int size : sizes) {
      request.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
    }
    List<StreamingOutputCallResponse> responses = new ArrayList<>();
    try (BlockingIterator<StreamingOutputCallResponse> it = ClientCalls.blockingServerStreaming(
        channel, STREAMING_OUTPUT_CALL, CallOptions.DEFAULT, request.build())) {
      while (it.hasNext()) {
        responses.add(it.next());
      }
    }
    check(responses.size() == sizes.length,
        "received %s responses, expected %s", responses.size(), sizes.length);
    for (int i = 0; i < sizes.length; i++) {
      checkPayload("response " + i, responses.get(i).getPayload(), sizes[i]);
    }
  }

  private void pingPong() {
    int[] requestSizes = {27182, 8, 1828, 45904};
    int[] responseSizes = {31415, 9, 2653, 58979};
    try (BlockingCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        ClientCalls.blockingStreaming(channel, FULL_DUPLEX_CALL, CallOptions.DEFAULT)) {
      for (int i = 0; i < requestSizes.length; i++) {
        call.send(streamingRequest(responseSizes[i], requestSizes[i]));
        StreamingOutputCallResponse response = call.read();
        check(response != null, "the call completed after %s of 4 responses", i);
        checkPayload("response " + i, response.getPayload(), responseSizes[i]);
      }
      call.halfClose();
      StreamingOutputCallResponse extra = call.read();
      check(extra == null, "received a fifth response (%s bytes)",
          extra == null ? 0 : extra.getPayload().getBody().size());
    }
  }

  private void emptyStream() {
    try (BlockingCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        ClientCalls.blockingStreaming(channel, FULL_DUPLEX_CALL, CallOptions.DEFAULT)) {
      call.halfClose();
      StreamingOutputCallResponse response = call.read();
      check(response == null, "expected zero responses, received one");
    }
  }

  private void customMetadata() {
    // UnaryCall
    MetadataExchange unary = new MetadataExchange();
    SimpleResponse response = ClientCalls.blockingUnary(unary.intercept(channel), UNARY_CALL,
        CallOptions.DEFAULT, simpleRequest(314159, 271828));
    checkPayload("UnaryCall response", response.getPayload(), 314159);
    unary.checkEchoed("UnaryCall");

    // FullDuplexCall
    MetadataExchange duplex = new MetadataExchange();
    try (BlockingCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        ClientCalls.blockingStreaming(duplex.intercept(channel), FULL_DUPLEX_CALL,
            CallOptions.DEFAULT)) {
      call.send(streamingRequest(314159, 271828));
      call.halfClose();
      StreamingOutputCallResponse first = call.read();
      check(first != null, "FullDuplexCall completed without a response");
      checkPayload("FullDuplexCall response", first.getPayload(), 314159);
      check(call.read() == null, "FullDuplexCall sent more than one response");
    }
    duplex.checkEchoed("FullDuplexCall");
  }

  private void statusCodeAndMessage() {
    String message = "test status message";
    EchoStatus echo = EchoStatus.newBuilder().setCode(2).setMessage(message).build();

    StatusException unary = expectFailure("UnaryCall", () -> ClientCalls.blockingUnary(
        channel, UNARY_CALL, CallOptions.DEFAULT,
        SimpleRequest.newBuilder().setResponseStatus(echo).build()));
    checkStatus("UnaryCall", unary.status(), Status.Code.UNKNOWN, message);

    StatusException duplex;
    try (BlockingCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        ClientCalls.blockingStreaming(channel, FULL_DUPLEX_CALL, CallOptions.DEFAULT)) {
      call.send(StreamingOutputCallRequest.newBuilder().setResponseStatus(echo).build());
      call.halfClose();
      duplex = expectFailure("FullDuplexCall", () -> {
        while (call.read() != null) {
          // drain: the server should send nothing before its status
        }
        return null;
      });
    }
    checkStatus("FullDuplexCall", duplex.status(), Status.Code.UNKNOWN, message);
  }

  private void specialStatusMessage() {
    EchoStatus echo = EchoStatus.newBuilder().setCode(2).setMessage(SPECIAL_STATUS_MESSAGE).build();
    StatusException e = expectFailure("UnaryCall", () -> ClientCalls.blockingUnary(
        channel, UNARY_CALL, CallOptions.DEFAULT,
        SimpleRequest.newBuilder().setResponseStatus(echo).build()));
    checkStatus("UnaryCall", e.status(), Status.Code.UNKNOWN, SPECIAL_STATUS_MESSAGE);
  }

  private void unimplemented(MethodDescriptor<Empty, Empty> method) {
    StatusException e = expectFailure(method.fullMethodName(), () -> ClientCalls.blockingUnary(
        channel, method, CallOptions.DEFAULT, Empty.getDefaultInstance()));
    check(e.status().code() == Status.Code.UNIMPLEMENTED,
        "%s: expected UNIMPLEMENTED, got %s", method.fullMethodName(), e.status());
  }

  private void cancelAfterBegin() {
    Recorder<StreamingInputCallResponse> recorder = new Recorder<>();
    ClientCall<StreamingInputCallRequest, StreamingInputCallResponse> call =
        channel.newCall(STREAMING_INPUT_CALL, CallOptions.DEFAULT);
    call.start(recorder, new Metadata());
    call.request(1);
    call.cancel("cancel_after_begin: cancelled by the client", null);
    Status status = recorder.awaitClose();
    check(status.code() == Status.Code.CANCELLED, "expected CANCELLED, got %s", status);
    check(recorder.received() == 0, "received %s responses, expected none", recorder.received());
  }

  private void cancelAfterFirstResponse() {
    Recorder<StreamingOutputCallResponse> recorder = new Recorder<>();
    ClientCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        channel.newCall(FULL_DUPLEX_CALL, CallOptions.DEFAULT);
    call.start(recorder, new Metadata());
    call.request(1);
    call.sendMessage(streamingRequest(31415, 27182));
    StreamingOutputCallResponse first = recorder.awaitMessage();
    checkPayload("first response", first.getPayload(), 31415);
    call.cancel("cancel_after_first_response: cancelled by the client", null);
    Status status = recorder.awaitClose();
    check(status.code() == Status.Code.CANCELLED, "expected CANCELLED, got %s", status);
    check(recorder.received() == 1, "received %s responses, expected 1", recorder.received());
  }

  private void timeoutOnSleepingServer() {
    Recorder<StreamingOutputCallResponse> recorder = new Recorder<>();
    ClientCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = channel.newCall(
        FULL_DUPLEX_CALL, CallOptions.DEFAULT.withDeadline(Deadline.after(Duration.ofMillis(1))));
    call.start(recorder, new Metadata());
    call.request(1);
    try {
      call.sendMessage(StreamingOutputCallRequest.newBuilder().setPayload(zeros(27182)).build());
    } catch (IllegalStateException alreadyClosed) {
      // The deadline may have passed and closed the call already.
    }
    Status status = recorder.awaitClose();
    check(status.code() == Status.Code.DEADLINE_EXCEEDED,
        "expected DEADLINE_EXCEEDED, got %s", status);
    check(recorder.received() == 0, "received %s responses, expected none", recorder.received());
  }

  private void veryLargeRequest() {
    SimpleResponse response = ClientCalls.blockingUnary(
        channel, UNARY_CALL, CallOptions.DEFAULT, simpleRequest(10, 10 * 1024 * 1024));
    checkPayload("UnaryCall response", response.getPayload(), 10);
  }

  private void lbSpread() {
    SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();
    Map<String, Integer> backends = new TreeMap<>();
    for (int i = 1; i <= numTimes; i++) {
      SimpleResponse response;
      try {
        response = ClientCalls.blockingUnary(channel, UNARY_CALL,
            CallOptions.DEFAULT.withTimeout(LB_SPREAD_CALL_TIMEOUT), request);
      } catch (StatusException e) {
        Status status = e.status();
        throw new AssertionError(String.format(
            "call %d of %d failed with %s%s; backends so far: %s", i, numTimes, status.code(),
            status.description() == null ? "" : ": " + status.description(), backends), e);
      }
      String id = response.getServerId();
      check(!id.isEmpty(), "call %d of %d: the response carries no server_id (does the server "
          + "fill it when the request sets fill_server_id?)", i, numTimes);
      backends.merge(id, 1, Integer::sum);
    }
    backends.forEach((id, n) -> out.println("backend " + id + ": " + n));
  }

  // ------------------------------------------------------------------------------ helpers

  private static SimpleRequest simpleRequest(int responseSize, int payloadSize) {
    return SimpleRequest.newBuilder()
        .setResponseSize(responseSize)
        .setPayload(zeros(payloadSize))
        .build();
  }

  private static StreamingOutputCallRequest streamingRequest(int responseSize, int payloadSize) {
    return StreamingOutputCallRequest.newBuilder()
        .addResponseParameters(ResponseParameters.newBuilder().setSize(responseSize))
        .setPayload(zeros(payloadSize))
        .build();
  }

  private static Payload zeros(int size) {
    return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
  }

  private static void checkPayload(String what, Payload payload, int expectedSize) {
    ByteString body = payload.getBody();
    check(body.size() == expectedSize,
        "%s: payload body is %s bytes, expected %s", what, body.size(), expectedSize);
    for (int i = 0; i < body.size(); i++) {
      if (body.byteAt(i) != 0) {
        throw new AssertionError(what + ": payload body byte " + i + " is not zero");
      }
    }
  }

  private static void checkStatus(String what, Status status, Status.Code code, String message) {
    check(status.code() == code, "%s: expected status %s, got %s", what, code, status);
    check(message.equals(status.description()), "%s: expected status message \"%s\", got \"%s\"",
        what, escape(message), status.description() == null ? null : escape(status.description()));
  }

  private static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(cp -> {
      if (cp >= 0x20 && cp < 0x7f) {
        sb.append((char) cp);
      } else {
        sb.append(String.format("\\u{%x}", cp));
      }
    });
    return sb.toString();
  }

  private static StatusException expectFailure(String what, java.util.concurrent.Callable<?> call) {
    Object result;
    try {
      result = call.call();
    } catch (StatusException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError(what + ": expected a failed call, got exception " + e, e);
    }
    throw new AssertionError(what + ": expected the call to fail, but it succeeded"
        + (result == null ? "" : " with " + result.getClass().getSimpleName()));
  }

  static void check(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new AssertionError(String.format(format, args));
    }
  }

  private static String hostPort(String host, int port) {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  private static void usage(PrintStream out) {
    StringBuilder names = new StringBuilder();
    for (TestCase c : TestCase.values()) {
      names.append("\n                                 ").append(c.caseName());
      if (!c.isStandard()) {
        names.append(" (not in \"all\")");
      }
    }
    out.println("""
        Usage: interop/bin/client [--server_host=HOST|TARGET] [--server_port=PORT] [--use_tls=BOOL]
                                  [--server_host_override=HOST] [--test_case=NAME[,NAME...]]
                                  [--lb_policy=POLICY] [--service_config_json=JSON]
                                  [--num_times=N]

          --server_host=HOST           server to connect to (default localhost), or a target URI:
                                         ipv4:127.0.0.1:5001,127.0.0.2:5001   ipv6:[::1]:5001
                                         dns:///host:5001   dns://127.0.0.1:5353/backends.test
                                         unix:/path/to/socket
          --server_port=PORT           server port (default 8080); with a target URI, the port
                                       of every address that names none
          --server_host_override=HOST  the host claimed in :authority, sent in TLS SNI and
                                       verified in the server's certificate (default: the target)
          --use_tls=BOOL               TLS (default false: plaintext HTTP/2)
          --use_test_ca=BOOL           with TLS, trust the interop test CA instead of the JDK's
          --lb_policy=POLICY           pick_first (default) or round_robin, unless the service
                                       config names a policy
          --service_config_json=JSON   the default service config, e.g.
                                         {"loadBalancingConfig": [{"round_robin": {}}]}
          --num_times=N                lb_spread's number of calls (default 300)
          --test_case=NAME[,NAME...]   the cases to run (default empty_unary), or "all":"""
        + names);
  }


  /**
   * Adds the echo headers of custom_metadata to a call and captures the response headers and
   * trailers it gets back.
   */
  private static final class MetadataExchange implements ClientInterceptor {
    private final AtomicReference<Metadata> headers = new AtomicReference<>();
    private final AtomicReference<Metadata> trailers = new AtomicReference<>();

    CallFactory intercept(CallFactory factory) {
      return ClientInterceptor.intercept(factory, List.of(this));
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, CallFactory next) {
      return new ForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata requestHeaders) {
          requestHeaders.add(EchoMetadataInterceptor.ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE);
          requestHeaders.addBinary(EchoMetadataInterceptor.ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE);
          super.start(new ForwardingListener<>(listener) {
            @Override
            public void onHeaders(Metadata responseHeaders) {
              headers.set(responseHeaders);
              super.onHeaders(responseHeaders);
            }

            @Override
            public void onClose(Status status, Metadata responseTrailers) {
              trailers.set(responseTrailers);
              super.onClose(status, responseTrailers);
            }
          }, requestHeaders);
        }
      };
    }

    void checkEchoed(String what) {
      Metadata h = headers.get();
      check(h != null, "%s: no response headers received", what);
      String initial = h.get(EchoMetadataInterceptor.ECHO_INITIAL_KEY);
      check(ECHO_INITIAL_VALUE.equals(initial),
          "%s: response headers carry %s=%s, expected %s (headers: %s)", what,
          EchoMetadataInterceptor.ECHO_INITIAL_KEY, initial, ECHO_INITIAL_VALUE, h);
      Metadata t = trailers.get();
      check(t != null, "%s: no trailers received", what);
      byte[] trailing = t.getBinary(EchoMetadataInterceptor.ECHO_TRAILING_KEY);
      check(Arrays.equals(ECHO_TRAILING_VALUE, trailing),
          "%s: trailers carry %s=%s, expected %s (trailers: %s)", what,
          EchoMetadataInterceptor.ECHO_TRAILING_KEY,
          trailing == null ? null : HexFormat.of().formatHex(trailing),
          HexFormat.of().formatHex(ECHO_TRAILING_VALUE), t);
    }
  }

  /** Records what a call receives, for the cases that drive {@link ClientCall} directly. */
  private static final class Recorder<R> extends ClientCall.Listener<R> {
    private final BlockingQueue<R> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> closed = new CompletableFuture<>();
    private volatile int received;

    @Override
    public void onMessage(R message) {
      received++;
      messages.add(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      closed.complete(status);
    }

    int received() {
      return received;
    }

    /** The next message; fails if the call closes first or nothing comes in time. */
    R awaitMessage() {
      long deadline = System.nanoTime() + OPERATION_TIMEOUT.toNanos();
      try {
        while (System.nanoTime() < deadline) {
          R message = messages.poll(20, TimeUnit.MILLISECONDS);
          if (message != null) {
            return message;
          }
          if (closed.isDone() && messages.isEmpty()) {
            throw new AssertionError("the call closed with " + closed.join()
                + " before the expected response");
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for a response", e);
      }
      throw new AssertionError("no response within " + OPERATION_TIMEOUT.toSeconds() + " s");
    }

    Status awaitClose() {
      try {
        return closed.get(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError(
            "the call did not complete within " + OPERATION_TIMEOUT.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for the call to complete", e);
      } catch (ExecutionException e) {
        throw new AssertionError("unexpected failure", e.getCause());
      }
    }
  }
}
