package io.conduit.examples.helloworld;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.conduit.Server;
import io.conduit.examples.Web;
import io.grpc.examples.helloworld.HelloReply;
import io.grpc.examples.helloworld.HelloRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example Greeter server, with web on as {@link GreeterServer} turns it on, called by the real
 * curl the way a user would: Connect unary JSON (an answer, and errors with Connect's error JSON
 * and HTTP status), hand-built gRPC-Web binary frames over HTTP/1.1 and over HTTP/2 with prior
 * knowledge (the message frame, then the trailer frame), gRPC-Web text, and a CORS preflight from
 * an allowed origin. Without curl the test fails when CI is set and is aborted otherwise.
 */
@Timeout(60)
class WebCurlTest {
  static final String CURL = System.getenv().getOrDefault("CURL", "/usr/bin/curl");
  static final String ALLOWED = "http://localhost:5173";
  static Server server;
  static String base;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() {
    if (!Files.isExecutable(Path.of(CURL))) {
      String missing = "curl is not installed at " + CURL + ": apt-get install curl (.ci/run does)";
      if (System.getenv("CI") != null) {
        throw new AssertionError(missing);
      }
      Assumptions.abort(missing);
    }
    server = GreeterServer.builder(0, Web.options(null, List.of(ALLOWED)))
        .bind("127.0.0.1", 0)
        .build()
        .start();
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void connectUnaryJson() throws Exception {
    Response r = curl("-H", "Content-Type: application/json", "-d", "{\"name\":\"x\"}",
        base + "/helloworld.Greeter/SayHello");
    assertThat(r.status).as(r.describe()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    HelloReply.Builder reply = HelloReply.newBuilder();
    JsonFormat.parser().merge(r.text(), reply);
    assertThat(reply.build().getMessage()).isEqualTo("Hello x");
  }

  @Test
  void connectErrorsAreJsonWithTheirHttpStatus() throws Exception {
    Response unknown = curl("-H", "Content-Type: application/json", "-d", "{\"name\":\"x\"}",
        base + "/helloworld.Greeter/SayGoodbye");
    assertThat(unknown.status).as(unknown.describe()).isEqualTo(501);
    assertThat(unknown.header("content-type")).isEqualTo("application/json");
    Struct error = json(unknown.text());
    assertThat(error.getFieldsOrThrow("code").getStringValue()).isEqualTo("unimplemented");
    assertThat(error.getFieldsOrThrow("message").getStringValue())
        .contains("helloworld.Greeter/SayGoodbye");

    // JSON that is no HelloRequest: Connect's invalid_argument, HTTP 400.
    Response bad = curl("-H", "Content-Type: application/json", "-d", "{\"name\":7,\"age\":1}",
        base + "/helloworld.Greeter/SayHello");
    assertThat(bad.status).as(bad.describe()).isEqualTo(400);
    assertThat(json(bad.text()).getFieldsOrThrow("code").getStringValue())
        .isEqualTo("invalid_argument");

    // A content type that is no protocol's: 415.
    Response plain = curl("-H", "Content-Type: text/plain", "-d", "hello",
        base + "/helloworld.Greeter/SayHello");
    assertThat(plain.status).as(plain.describe()).isEqualTo(415);
  }

  @Test
  void grpcWebBinaryOverHttp1() throws Exception {
    Response r = grpcWeb("--http1.1", "web1");
    assertThat(r.version).as(r.describe()).isEqualTo("1.1");
    checkGrpcWebAnswer(r, r.body, "Hello web1");
  }

  @Test
  void grpcWebBinaryOverHttp2PriorKnowledge() throws Exception {
    Response r = grpcWeb("--http2-prior-knowledge", "web2");
    assertThat(r.version).as(r.describe()).isEqualTo("2");
    checkGrpcWebAnswer(r, r.body, "Hello web2");
  }

  @Test
  void grpcWebText() throws Exception {
    Path request = tmp.resolve("request.txt");
    Files.write(request, Base64.getEncoder().encode(frame(0, HelloRequest.newBuilder()
        .setName("text").build().toByteArray())));
    Response r = curl("--http1.1", "-H", "Content-Type: application/grpc-web-text",
        "-H", "X-Grpc-Web: 1", "--data-binary", "@" + request,
        base + "/helloworld.Greeter/SayHello");
    assertThat(r.header("content-type")).as(r.describe()).startsWith("application/grpc-web-text");
    // Base64 per flush: each chunk may end in padding, so decode chunk by chunk.
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    String text = r.text().strip();
    int from = 0;
    while (from < text.length()) {
      int end = text.indexOf('=', from);
      while (end >= 0 && end + 1 < text.length() && text.charAt(end + 1) == '=') {
        end++;
      }
      int to = end < 0 ? text.length() : end + 1;
      decoded.write(Base64.getDecoder().decode(text.substring(from, to)));
      from = to;
    }
    checkGrpcWebAnswer(r, decoded.toByteArray(), "Hello text");
  }

  @Test
  void grpcWebUnknownMethodIsTrailersOnly() throws Exception {
    Path request = tmp.resolve("request.bin");
    Files.write(request, frame(0, HelloRequest.newBuilder().setName("x").build().toByteArray()));
    Response r = curl("--http1.1", "-H", "Content-Type: application/grpc-web+proto",
        "-H", "X-Grpc-Web: 1", "--data-binary", "@" + request,
        base + "/helloworld.Greeter/SayGoodbye");
    assertThat(r.status).as(r.describe()).isEqualTo(200);
    assertThat(r.header("grpc-status")).as(r.describe()).isEqualTo("12");
  }

  @Test
  void preflightFromAnAllowedOrigin() throws Exception {
    Response r = curl("-X", "OPTIONS", "-H", "Origin: " + ALLOWED,
        "-H", "Access-Control-Request-Method: POST",
        "-H", "Access-Control-Request-Headers: content-type,x-grpc-web",
        base + "/helloworld.Greeter/SayHello");
    assertThat(r.status).as(r.describe()).isBetween(200, 204);
    assertThat(r.header("access-control-allow-origin")).isEqualTo(ALLOWED);
    assertThat(r.header("access-control-allow-headers").toLowerCase(Locale.ROOT))
        .contains("content-type").contains("x-grpc-web");

    Response refused = curl("-X", "OPTIONS", "-H", "Origin: http://elsewhere.test",
        "-H", "Access-Control-Request-Method: POST",
        base + "/helloworld.Greeter/SayHello");
    assertThat(refused.header("access-control-allow-origin")).as(refused.describe()).isNull();
  }

  /** Posts a hand-built gRPC-Web frame of HelloRequest{name}. */
  private Response grpcWeb(String httpVersion, String name) throws Exception {
    Path request = tmp.resolve("request-" + name + ".bin");
    Files.write(request, frame(0, HelloRequest.newBuilder().setName(name).build().toByteArray()));
    return curl(httpVersion, "-H", "Content-Type: application/grpc-web+proto",
        "-H", "X-Grpc-Web: 1", "--data-binary", "@" + request,
        base + "/helloworld.Greeter/SayHello");
  }

  /** The body is one message frame (flag 0) with the reply, then one trailer frame (flag 0x80). */
  private static void checkGrpcWebAnswer(Response r, byte[] body, String message)
      throws Exception {
    assertThat(r.status).as(r.describe()).isEqualTo(200);
    assertThat(r.header("content-type")).as(r.describe()).startsWith("application/grpc-web");
    List<byte[]> frames = new ArrayList<>();
    List<Integer> flags = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(body);
    while (in.hasRemaining()) {
      assertThat(in.remaining()).as("a 5-byte frame prefix in " + Arrays.toString(body))
          .isGreaterThanOrEqualTo(5);
      flags.add(in.get() & 0xff);
      int length = in.getInt();
      assertThat(in.remaining()).as("frame length").isGreaterThanOrEqualTo(length);
      byte[] payload = new byte[length];
      in.get(payload);
      frames.add(payload);
    }
    assertThat(flags).as(r.describe()).containsExactly(0x00, 0x80);
    assertThat(HelloReply.parseFrom(frames.get(0)).getMessage()).isEqualTo(message);
    Map<String, String> trailers = new LinkedHashMap<>();
    for (String line : new String(frames.get(1), StandardCharsets.US_ASCII).split("\r\n")) {
      int colon = line.indexOf(':');
      trailers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).strip());
    }
    assertThat(trailers).containsEntry("grpc-status", "0");
  }

  private static byte[] frame(int flag, byte[] payload) {
    return ByteBuffer.allocate(5 + payload.length)
        .put((byte) flag).putInt(payload.length).put(payload).array();
  }

  private static Struct json(String text) throws IOException {
    Struct.Builder s = Struct.newBuilder();
    JsonFormat.parser().merge(text, s);
    return s.build();
  }

  /** Runs curl (bounded) with {@code args}; the response's status, version, headers and body. */
  private Response curl(String... args) throws Exception {
    Path body = Files.createTempFile(tmp, "body", ".out");
    Path headers = Files.createTempFile(tmp, "headers", ".out");
    Path err = Files.createTempFile(tmp, "curl", ".err");
    List<String> command = new ArrayList<>(List.of(CURL, "-sS", "--max-time", "20",
        "-o", body.toString(), "-D", headers.toString(),
        "-w", "%{http_code} %{http_version}"));
    command.addAll(List.of(args));
    Process curl = new ProcessBuilder(command)
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .start();
    String written = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!curl.waitFor(30, TimeUnit.SECONDS)) {
      curl.destroyForcibly();
      throw new AssertionError("curl did not end: " + command);
    }
    String describe = command + " -> exit " + curl.exitValue() + ", " + written + "\n"
        + Files.readString(err) + Files.readString(headers);
    assertThat(curl.exitValue()).as(describe).isZero();
    String[] statusAndVersion = written.strip().split(" ");
    return new Response(Integer.parseInt(statusAndVersion[0]), statusAndVersion[1],
        Files.readAllLines(headers, StandardCharsets.ISO_8859_1), Files.readAllBytes(body),
        describe);
  }

  private record Response(int status, String version, List<String> headerLines, byte[] body,
      String describe) {
    /** The last value of header {@code name}, or null. */
    String header(String name) {
      String value = null;
      for (String line : headerLines) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(name)) {
          value = line.substring(colon + 1).strip();
        }
      }
      return value;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }
}
