package io.conduit.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for tests: Debian's {@code dnsmasq}, run as a child process on 127.0.0.1 and
 * a free high port, answering A records from a hosts file that {@link #setRecords} rewrites
 * (dnsmasq re-reads it on SIGHUP), and fixed TXT records given at start. Every query is logged,
 * so tests can count them.
 *
 * <p>There is no fallback: without dnsmasq the test fails and says how to install it ({@code
 * .ci/run} does).
 */
public final class Dnsmasq implements AutoCloseable {
  /** The longest {@code txt-record=} line dnsmasq takes (it silently fails on longer ones). */
  public static final int MAX_CONFIG_LINE = 1000;

  private final Path dir;
  private final Path hosts;
  private final Path log;
  private final Process process;
  private final int port;

  private Dnsmasq(Path dir, Path hosts, Path log, Process process, int port) {
    this.dir = dir;
    this.hosts = hosts;
    this.log = log;
    this.process = process;
    this.port = port;
  }

  /** Starts dnsmasq serving {@code records} (name to IPv4 addresses); waits until it answers. */
  public static Dnsmasq start(Map<String, List<String>> records) throws IOException, InterruptedException {
    return start(records, Map.of());
  }

  /**
   * Starts dnsmasq serving A {@code records} and {@code txtRecords}: name to the character
   * strings of its one TXT record (dnsmasq splits a string longer than 255 bytes into several,
   * as DNS requires). TXT records stay as given: dnsmasq reads them only at start. A record's
   * strings, quoted, must fit in {@link #MAX_CONFIG_LINE}.
   */
  public static Dnsmasq start(Map<String, List<String>> records, Map<String, List<String>> txtRecords)
      throws IOException, InterruptedException {
    String binary = findBinary();
    Path dir = Files.createTempDirectory("dnsmasq");
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, hostsFile(records));
    Path conf = dir.resolve("dnsmasq.conf");
    Files.writeString(conf, txtConfig(txtRecords));
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      Path log = dir.resolve("dnsmasq-" + attempt + ".log");
      List<String> command = List.of(binary, "--port=" + port, "--listen-address=127.0.0.1",
          "--bind-interfaces", "--no-resolv", "--no-hosts", "--addn-hosts=" + hosts,
          "--conf-file=" + conf, "--keep-in-foreground", "--user=" + System.getProperty("user.name"),
          "--pid-file=" + dir.resolve("pid"), "--log-queries", "--log-facility=-",
          "--local-ttl=0", "--no-negcache", "--cache-size=0");
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      Dnsmasq d = new Dnsmasq(dir, hosts, log, p, port);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline && p.isAlive()) {
        if (d.tryQuery("conduit-probe.invalid") != null) {
          return d;
        }
        Thread.sleep(10);
      }
      String output = Files.exists(log) ? Files.readString(log) : "";
      d.stopProcess();
      IOException failure = new IOException("dnsmasq did not start on port " + port + ": " + output);
      if (last != null) {
        failure.addSuppressed(last);
      }
      last = failure;
    }
    deleteDir(dir);
    throw last;
  }

  private static String findBinary() {
    List<String> candidates = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      candidates.add(dir + "/dnsmasq");
    }
    candidates.add("/usr/sbin/dnsmasq");
    candidates.add("/usr/local/sbin/dnsmasq");
    for (String c : candidates) {
      if (!c.startsWith("/dnsmasq") && Files.isExecutable(Path.of(c))) {
        return c;
      }
    }
    throw new AssertionError("dnsmasq is not installed, and the DNS tests need a real DNS server: "
        + "install Debian's dnsmasq-base (apt-get install -y dnsmasq-base; .ci/run does this)");
  }

  private static int freePort() throws IOException {
    // Free for both UDP and TCP (dnsmasq listens on both), above the usual ephemeral range start.
    for (int i = 0; i < 50; i++) {
      int candidate = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", candidate));
          ServerSocket tcp = new ServerSocket()) {
        tcp.bind(udp.getLocalSocketAddress());
        return candidate;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException("no free port for dnsmasq");
  }

  /** The port it serves on (UDP and TCP, on 127.0.0.1). */
  public int port() {
    return port;
  }

  /**
   * Replaces every record, and waits until dnsmasq answers with the new ones.
   */
  public void setRecords(Map<String, List<String>> records) throws IOException, InterruptedException {
    Path tmp = dir.resolve("hosts.tmp");
    Files.writeString(tmp, hostsFile(records));
    Files.move(tmp, hosts, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
    if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("could not send SIGHUP to dnsmasq");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (Map.Entry<String, List<String>> e : records.entrySet()) {
      Set<String> want = new TreeSet<>(e.getValue());
      while (!want.equals(tryQuery(e.getKey()))) {
        if (System.nanoTime() > deadline) {
          throw new IOException("dnsmasq still answers " + tryQuery(e.getKey()) + " for "
              + e.getKey() + ", not " + want);
        }
        Thread.sleep(5);
      }
    }
  }

  /** How many queries (of any type) for {@code name} dnsmasq has logged so far. */
  public int queriesFor(String name) throws IOException {
    int n = 0;
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      if (line.contains("query[") && line.contains(" " + name + " from ")) {
        n++;
      }
    }
    return n;
  }

  /** The A records for {@code name}; empty when none; null when no answer came. */
  public Set<String> tryQuery(String name) {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(200);
      int id = ThreadLocalRandom.current().nextInt(1 << 16);
      byte[] query = query(id, name);
      socket.send(new DatagramPacket(query, query.length, InetAddress.getByName("127.0.0.1"), port));
      byte[] buf = new byte[1500];
      DatagramPacket response = new DatagramPacket(buf, buf.length);
      socket.receive(response);
      return parseA(buf, response.getLength(), id);
    } catch (SocketTimeoutException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] query(int id, String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(id >> 8);
    out.write(id);
    out.writeBytes(new byte[] {0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}); // RD, one question
    for (String label : name.split("\\.")) {
      byte[] b = label.getBytes(StandardCharsets.US_ASCII);
      out.write(b.length);
      out.writeBytes(b);
    }
    out.writeBytes(new byte[] {0, 0, 1, 0, 1}); // root, type A, class IN
    return out.toByteArray();
  }

  private static Set<String> parseA(byte[] m, int length, int id) {
    if (length < 12 || ((m[0] & 0xff) << 8 | (m[1] & 0xff)) != id) {
      return null;
    }
    int questions = (m[4] & 0xff) << 8 | (m[5] & 0xff);
    int answers = (m[6] & 0xff) << 8 | (m[7] & 0xff);
    int pos = 12;
    for (int i = 0; i < questions; i++) {
      pos = skipName(m, pos) + 4;
    }
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < answers; i++) {
      pos = skipName(m, pos);
      int type = (m[pos] & 0xff) << 8 | (m[pos + 1] & 0xff);
      int rdLength = (m[pos + 8] & 0xff) << 8 | (m[pos + 9] & 0xff);
      pos += 10;
      if (type == 1 && rdLength == 4) {
        out.add((m[pos] & 0xff) + "." + (m[pos + 1] & 0xff) + "." + (m[pos + 2] & 0xff) + "."
            + (m[pos + 3] & 0xff));
      }
      pos += rdLength;
    }
    return out;
  }

  private static int skipName(byte[] m, int pos) {
    while (true) {
      int len = m[pos] & 0xff;
      if (len == 0) {
        return pos + 1;
      }
      if ((len & 0xc0) == 0xc0) {
        return pos + 2;
      }
      pos += len + 1;
    }
  }

  /** {@code txt-record=name,"s1","s2"}: quoted, so commas and {@code #} stay in the strings. */
  private static String txtConfig(Map<String, List<String>> txtRecords) {
    StringBuilder sb = new StringBuilder();
    txtRecords.forEach((name, strings) -> {
      StringBuilder line = new StringBuilder("txt-record=").append(name);
      for (String s : strings) {
        line.append(",\"").append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
      // dnsmasq reads config lines into a 1024-byte buffer and cannot continue them.
      if (line.length() > MAX_CONFIG_LINE) {
        throw new IllegalArgumentException("TXT record of " + name + " too long for dnsmasq: "
            + line.length() + " > " + MAX_CONFIG_LINE + " characters once quoted");
      }
      sb.append(line).append('\n');
    });
    return sb.toString();
  }

  private static String hostsFile(Map<String, List<String>> records) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<String>> e : new LinkedHashMap<>(records).entrySet()) {
      for (String ip : e.getValue()) {
        sb.append(ip).append(' ').append(e.getKey()).append('\n');
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {
    stopProcess();
    deleteDir(dir);
  }

  private void stopProcess() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteDir(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // best effort
    }
  }
}
