package io.conduit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;
import io.conduit.CorsPolicy;
import io.conduit.Metadata;
import io.conduit.Server;
import io.conduit.ServerCall;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.WebOptions;
import io.conduit.examples.browser.AckReply;
import io.conduit.examples.browser.AckRequest;
import io.conduit.examples.browser.BrowserTestRpc;
import io.conduit.examples.browser.CountReply;
import io.conduit.examples.browser.CountRequest;
import io.conduit.examples.browser.EchoReply;
import io.conduit.examples.browser.EchoRequest;
import io.conduit.examples.browser.HangReply;
import io.conduit.examples.browser.HangRequest;
import io.conduit.protobuf.rpc.StatusProto;
import io.conduit.testing.Await;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC-Web and Connect from a real browser: headless Chromium (the system's, driven by
 * puppeteer-core from examples/web/test/drive.mjs) loads examples/web's test page from a Conduit
 * server with web on, and calls that server with three clients: the official grpc-web runtime in
 * text mode, and connect-web's gRPC-Web and Connect transports. Once from the server's own origin,
 * once from a second server's origin (CORS preflight), and once from an origin the policy refuses.
 *
 * <p>The page is built by the Maven build (examples/web/build: npm ci, protoc-gen-es, esbuild).
 * Without Chromium or Node.js the test fails when CI is set and is aborted otherwise.
 */
@Timeout(180)
class BrowserTest {
  static final Path WEB_SOURCES = Path.of(System.getProperty("conduit.examples.webDir", "web"));
  static final Path WEB_PAGE = Path.of(System.getProperty("conduit.examples.webPage", "target/web"));
  static final String[] CLIENTS = {"grpc-web-text", "connect-grpc-web", "connect-json"};
  static final Duration BOUND = Duration.ofSeconds(20);

  /** What the handlers saw, by case id (the browser's x-case header or request id). */
  final Map<String, Queue<String>> events = new ConcurrentHashMap<>();
  final Map<String, CompletableFuture<Void>> acks = new ConcurrentHashMap<>();

  @Test
  void browsersCallTheServer(@TempDir Path tmp) throws Exception {
    String chromium = requirePrerequisites();
    WebOptions pageOnly = WebOptions.builder().staticFiles(WEB_PAGE).build();
    try (Server second = Server.builder().bind("127.0.0.1", 0).web(pageOnly).build().start()) {
      String secondOrigin = "http://127.0.0.1:" + second.port();
      CorsPolicy cors = CorsPolicy.builder()
          .allowOrigins(secondOrigin)
          .allowHeaders("x-user", "x-token-bin", "x-case")
          .exposeHeaders("x-reason")
          .build();
      try (Server server = Server.builder().bind("127.0.0.1", 0)
          .service(service())
          .web(WebOptions.builder().staticFiles(WEB_PAGE).cors(cors).build())
          .build().start()) {
        String origin = "http://127.0.0.1:" + server.port();
        String job = """
            {"chromium": "%s", "timeoutMs": 120000, "pages": [
              {"url": "%s/tests.html", "args": {"prefix": "same-origin"}},
              {"url": "%s/tests.html", "args": {"prefix": "cross-origin", "baseUrl": "%s"}},
              {"url": "http://localhost:%d/tests.html",
               "args": {"prefix": "refused-origin", "baseUrl": "%s", "only": ["refused"]}}]}"""
            .formatted(chromium, origin, secondOrigin, origin, second.port(), origin);
        ListValue pages = drive(job, tmp);
        check(pages);
      }
    }
  }

  private void check(ListValue pages) throws InterruptedException {
    SoftAssertions softly = new SoftAssertions();
    for (Value page : pages.getValuesList()) {
      Struct p = page.getStructValue();
      for (Value r : p.getFieldsOrThrow("results").getListValue().getValuesList()) {
        Struct result = r.getStructValue();
        softly.assertThat(result.getFieldsOrThrow("ok").getBoolValue())
            .as(result.getFieldsOrThrow("id").getStringValue() + ": "
                + result.getFieldsOrThrow("detail"))
            .isTrue();
      }
    }
    assertThat(pages.getValuesCount()).isEqualTo(3);
    softly.assertThat(preflights(pages, 0)).as("preflights from the server's own origin").isEmpty();
    softly.assertThat(preflights(pages, 1)).as("CORS preflights from the second origin").isNotEmpty();

    for (String prefix : List.of("same-origin", "cross-origin")) {
      for (String client : CLIENTS) {
        String id = prefix + "/" + client + "/";
        softly.assertThat(events(id + "unary")).as(id + "unary").containsExactly(
            "echo x-user=alice x-token-bin=0102ff");
        softly.assertThat(events(id + "error")).as(id + "error").containsExactly("echo failed");
        softly.assertThat(events(id + "stream")).as(id + "stream")
            .containsExactly("count sent 50", "count acked", "count sent 100");
        // The browser is done before the server may have seen its abort or the deadline.
        awaitEvent(id + "cancel", "count cancelled after 1");
        softly.assertThat(events(id + "cancel")).as(id + "cancel")
            .containsExactly("count sent 1", "count cancelled after 1");
        awaitEvent(id + "deadline", "hang cancelled");
        softly.assertThat(events(id + "deadline")).as(id + "deadline")
            .containsExactly("hang with a deadline", "hang cancelled");
        softly.assertThat(events("refused-origin/" + client + "/refused"))
            .as("a call from a refused origin reached the handler").isEmpty();
      }
    }
    softly.assertAll();
  }

  private static List<String> preflights(ListValue pages, int page) {
    List<String> urls = new ArrayList<>();
    for (Value v : pages.getValues(page).getStructValue().getFieldsOrThrow("preflights")
        .getListValue().getValuesList()) {
      urls.add(v.getStringValue());
    }
    return urls;
  }

  private List<String> events(String id) {
    return List.copyOf(events.getOrDefault(id, new ConcurrentLinkedQueue<>()));
  }

  /** Waits (bounded) for an event; the assertion that follows tells what was seen instead. */
  private void awaitEvent(String id, String event) throws InterruptedException {
    try {
      Await.until(id + ": " + event, BOUND, () -> events(id).contains(event));
    } catch (AssertionError timedOut) {
      // reported by the caller's assertion
    }
  }

  private void record(String id, String event) {
    events.computeIfAbsent(id, k -> new ConcurrentLinkedQueue<>()).add(event);
  }

  /** Chromium's path; fails (CI) or aborts the test when Chromium, Node.js or the page is missing. */
  private static String requirePrerequisites() {
    String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
    String missing = null;
    if (!Files.isExecutable(Path.of(chromium))) {
      missing = "Chromium is not installed at " + chromium + ": apt-get install chromium (.ci/run does)";
    } else if (!onPath("node")) {
      missing = "Node.js is not installed: apt-get install nodejs npm (.ci/run does)";
    } else if (!Files.isRegularFile(WEB_PAGE.resolve("tests.html"))
        || !Files.isDirectory(WEB_SOURCES.resolve("node_modules/puppeteer-core"))) {
      missing = "the browser page was not built (" + WEB_PAGE + "): run the build with Node.js and"
          + " npm installed (mvn -pl examples -am package runs examples/web/build)";
    }
    if (missing != null) {
      if (System.getenv("CI") != null) {
        throw new AssertionError("The browser tests cannot run: " + missing);
      }
      Assumptions.abort("The browser tests cannot run: " + missing);
    }
    return chromium;
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  /** Runs drive.mjs (bounded), then ends it and every browser process it left. */
  private static ListValue drive(String job, Path tmp) throws Exception {
    Path stdout = tmp.resolve("drive.out");
    Path stderr = tmp.resolve("drive.err");
    Process node = new ProcessBuilder("node", "test/drive.mjs", job)
        .directory(WEB_SOURCES.toFile())
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
    try {
      boolean exited = node.waitFor(150, TimeUnit.SECONDS);
      String out = Files.readString(stdout, StandardCharsets.UTF_8);
      String err = Files.readString(stderr, StandardCharsets.UTF_8);
      String describe = "drive.mjs\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
      assertThat(exited).as("drive.mjs ended in time; " + describe).isTrue();
      assertThat(node.exitValue()).as(describe).isZero();
      String line = out.lines().filter(l -> l.startsWith("RESULTS ")).findFirst()
          .orElseThrow(() -> new AssertionError("no results from " + describe));
      ListValue.Builder pages = ListValue.newBuilder();
      JsonFormat.parser().merge(line.substring("RESULTS ".length()), pages);
      return pages.build();
    } finally {
      node.descendants().forEach(ProcessHandle::destroyForcibly);
      node.destroyForcibly();
      node.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private ServiceDefinition service() {
    return ServiceDefinition.builder(BrowserTestRpc.SERVICE_NAME)
        .method(BrowserTestRpc.ECHO, this::echo)
        .method(BrowserTestRpc.COUNT, this::count)
        .method(BrowserTestRpc.ACK, this::ack)
        .method(BrowserTestRpc.HANG, this::hang)
        .build();
  }

  private ServerCall.Listener<EchoRequest> echo(ServerCall<EchoRequest, EchoReply> call,
      Metadata headers) {
    call.request(1);
    String id = String.valueOf(headers.get("x-case"));
    return new ServerCall.Listener<>() {
      @Override
      public void onMessage(EchoRequest request) {
        if (request.getFail()) {
          record(id, "echo failed");
          Status status = Status.INVALID_ARGUMENT.withDescription(
              "no greeting for “" + request.getText() + "”: 100% refused");
          ErrorInfo why = ErrorInfo.newBuilder().setReason("NO_GREETING")
              .setDomain("examples.conduit.io").build();
          Metadata trailers = new Metadata().add("x-reason", "testing")
              .addBinary("x-detail-bin", new byte[] {(byte) 0xde, (byte) 0xad})
              .addBinary(StatusProto.DETAILS_KEY, StatusProto.of(status, why).toByteArray());
          call.close(status, trailers);
          return;
        }
        byte[] token = headers.getBinary("x-token-bin");
        String hex = token == null ? "" : HexFormat.of().formatHex(token);
        record(id, "echo x-user=" + headers.get("x-user") + " x-token-bin=" + hex);
        call.sendHeaders(new Metadata());
        call.sendMessage(EchoReply.newBuilder().setText(request.getText())
            .setUser(String.valueOf(headers.get("x-user"))).setTokenHex(hex).build());
        call.close(Status.OK, new Metadata());
      }
    };
  }

  /**
   * Sends 1..wait_after, then waits (without blocking the call's listener) for the browser's Ack
   * before sending the rest; a browser that cancels instead ends the wait.
   */
  private ServerCall.Listener<CountRequest> count(ServerCall<CountRequest, CountReply> call,
      Metadata headers) {
    call.request(1);
    Object lock = new Object();
    return new ServerCall.Listener<>() {
      int sent;
      String id = "?";

      @Override
      public void onMessage(CountRequest request) {
        id = request.getId();
        CompletableFuture<Void> ack = acks.computeIfAbsent(id, k -> new CompletableFuture<>());
        synchronized (lock) {
          call.sendHeaders(new Metadata());
          sendUpTo(request.getWaitAfter());
          record(id, "count sent " + sent);
        }
        ack.orTimeout(BOUND.toSeconds(), TimeUnit.SECONDS).whenComplete((ok, failure) -> {
          synchronized (lock) {
            if (call.isCancelled()) {
              return;
            }
            if (failure != null) {
              call.close(Status.ABORTED.withDescription("no Ack after message " + sent
                  + ": the browser did not get it while the handler was sending"), new Metadata());
              return;
            }
            record(id, "count acked");
            sendUpTo(request.getCount());
            record(id, "count sent " + sent);
            call.close(Status.OK, new Metadata());
          }
        });
      }

      private void sendUpTo(int n) {
        while (sent < n) {
          call.sendMessage(CountReply.newBuilder().setN(++sent).build());
        }
      }

      @Override
      public void onCancel() {
        synchronized (lock) {
          record(id, "count cancelled after " + sent);
        }
        acks.computeIfAbsent(id, k -> new CompletableFuture<>()).cancel(false);
      }
    };
  }

  private ServerCall.Listener<AckRequest> ack(ServerCall<AckRequest, AckReply> call,
      Metadata headers) {
    call.request(1);
    return new ServerCall.Listener<>() {
      @Override
      public void onMessage(AckRequest request) {
        acks.computeIfAbsent(request.getId(), k -> new CompletableFuture<>()).complete(null);
        call.sendHeaders(new Metadata());
        call.sendMessage(AckReply.getDefaultInstance());
        call.close(Status.OK, new Metadata());
      }
    };
  }

  /** Answers nothing: the call ends when its deadline cancels it (or after BOUND, ABORTED). */
  private ServerCall.Listener<HangRequest> hang(ServerCall<HangRequest, HangReply> call,
      Metadata headers) {
    call.request(1);
    CompletableFuture<Void> cancelled = new CompletableFuture<>();
    return new ServerCall.Listener<>() {
      String id = "?";

      @Override
      public void onMessage(HangRequest request) {
        id = request.getId();
        record(id, call.deadline() != null ? "hang with a deadline" : "hang without a deadline");
        cancelled.orTimeout(BOUND.toSeconds(), TimeUnit.SECONDS).whenComplete((ok, failure) -> {
          if (failure != null && !call.isCancelled()) {
            call.close(Status.ABORTED.withDescription("never cancelled"), new Metadata());
          }
        });
      }

      @Override
      public void onCancel() {
        record(id, "hang cancelled");
        cancelled.complete(null);
      }
    };
  }
}
