package io.conduit.interop;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * java-control-plane in a JVM of its own ({@code XdsControlPlane} of the peer module): snapshots
 * go in on its stdin, and the discovery requests clients send come out in its log, so that tests
 * see what a client ACKed and NACKed.
 */
final class XdsControlPlaneProcess implements AutoCloseable {
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
  private final GrpcJavaPeer.Listening process;
  private final OutputStream stdin;
  private int answers;

  private XdsControlPlaneProcess(GrpcJavaPeer.Listening process) {
    this.process = process;
    this.stdin = process.process().getOutputStream();
  }

  static XdsControlPlaneProcess start() throws IOException, InterruptedException {
    return new XdsControlPlaneProcess(GrpcJavaPeer.startListening(
        GrpcJavaPeer.XDS_CONTROL_PLANE_CLASS, List.of(), Duration.ofSeconds(60)));
  }

  int port() {
    return process.address().getPort();
  }

  /** A bootstrap that points at this control plane, with the node id given. */
  String bootstrap(String nodeId) {
    return "{\"xds_servers\": [{\"server_uri\": \"127.0.0.1:" + port() + "\", "
        + "\"channel_creds\": [{\"type\": \"insecure\"}], \"server_features\": [\"xds_v3\"]}], "
        + "\"node\": {\"id\": \"" + nodeId + "\", \"locality\": {\"zone\": \"test\"}}}";
  }

  /** Serves {@code snapshot} from now on, to every client. */
  void snapshot(XdsSnapshot snapshot) throws IOException, InterruptedException {
    command("SNAPSHOT " + snapshot.version() + " " + snapshot.json());
  }

  /** The server goes away: its streams end, and new ones are refused. */
  void stopServing() throws IOException, InterruptedException {
    command("STOP");
  }

  /** The server comes back on the same port. */
  void startServing() throws IOException, InterruptedException {
    command("START");
  }

  /** Everything the control plane printed. */
  String log() {
    return GrpcJavaPeer.read(process.log());
  }

  /**
   * Waits for a NACK of {@code typeSuffix} resources whose error contains {@code text}, and
   * returns its error. (Clients name their node in a stream's first request only.)
   */
  String awaitNack(String typeSuffix, String text, Duration timeout) throws InterruptedException {
    Pattern nack = Pattern.compile("(?m)^REQUEST node=\\S* type=\\S*" + Pattern.quote(typeSuffix)
        + " .* error=(.*" + Pattern.quote(text) + ".*)$");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = nack.matcher(log());
      if (m.find()) {
        return m.group(1);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no NACK of " + typeSuffix + " saying " + text + " in "
        + timeout.toSeconds() + " s; control plane log:\n" + log());
  }

  private void command(String line) throws IOException, InterruptedException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    answers++;
    long deadline = System.nanoTime() + ANSWER_TIMEOUT.toNanos();
    Pattern answer = Pattern.compile("(?m)^(OK|ERROR)( .*)?$");
    while (System.nanoTime() < deadline) {
      String log = log();
      Matcher m = answer.matcher(log);
      int n = 0;
      String last = null;
      while (m.find()) {
        n++;
        last = m.group();
      }
      if (n >= answers) {
        if (last.startsWith("ERROR")) {
          throw new IllegalStateException("control plane refused " + line + ": " + last);
        }
        return;
      }
      if (!process.process().isAlive()) {
        throw new IllegalStateException("control plane exited:\n" + log);
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("control plane did not answer " + line + ":\n" + log());
  }

  @Override
  public void close() throws IOException {
    process.close();
  }
}
