package io.conduit.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client made of a plain socket: sends whatever bytes a test wants (smuggling,
 * oversized headers, pipelined floods) and reads responses one at a time, chunked or not, piece
 * by piece, so a test sees a streamed response while it is still being sent.
 */
public final class RawHttp1Client implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;

  /** One response; {@code chunks} holds the body as it arrived when chunked. */
  public record Response(int status, Map<String, String> headers, byte[] body, List<byte[]> chunks) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return status + " " + headers + " " + text();
    }
  }

  private RawHttp1Client(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
  }

  /** Connects, with a read timeout that bounds every wait of the test. */
  public static RawHttp1Client connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(10_000);
    s.setTcpNoDelay(true);
    return new RawHttp1Client(s);
  }

  public RawHttp1Client send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  public RawHttp1Client send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A POST with a Content-Length body, headers given as "name: value" lines. */
  public RawHttp1Client post(String path, byte[] body, String... headers) throws IOException {
    StringBuilder sb = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nhost: localhost\r\n");
    for (String h : headers) {
      sb.append(h).append("\r\n");
    }
    sb.append("content-length: ").append(body.length).append("\r\n\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(body);
    return send(out.toByteArray());
  }

  /** Reads the status line and headers of the next response. */
  public Response readHead() throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.1 status line: " + statusLine);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while (!(l = line()).isEmpty()) {
      int colon = l.indexOf(':');
      String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = l.substring(colon + 1).trim();
      headers.merge(name, value, (a, b) -> a + ", " + b);
    }
    return new Response(Integer.parseInt(parts[1]), headers, new byte[0], List.of());
  }

  /** Reads the next response whole. */
  public Response read() throws IOException {
    Response head = readHead();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    List<byte[]> chunks = new ArrayList<>();
    if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
      byte[] chunk;
      while ((chunk = readChunk()) != null) {
        chunks.add(chunk);
        body.writeBytes(chunk);
      }
    } else if (head.header("content-length") != null) {
      body.writeBytes(in.readNBytes(Integer.parseInt(head.header("content-length"))));
    }
    return new Response(head.status(), head.headers(), body.toByteArray(), chunks);
  }

  /** The next chunk of a chunked body, or null after the last. */
  public byte[] readChunk() throws IOException {
    int size = Integer.parseInt(line().trim(), 16);
    if (size == 0) {
      line();
      return null;
    }
    byte[] chunk = in.readNBytes(size);
    line();
    return chunk;
  }

  /** Whether the server closed the connection (reads until EOF, within the read timeout). */
  public boolean closedByServer() throws IOException {
    try {
      while (in.read() >= 0) {
        // Drain what is left.
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      // A reset is a close too.
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new EOFException("connection closed; read so far: " + b);
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
