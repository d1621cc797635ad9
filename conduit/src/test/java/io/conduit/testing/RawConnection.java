package io.conduit.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * An HTTP/2 client made of a plain socket and hand-built frames, for sending what no real client
 * would: floods, resets, endless CONTINUATIONs, HPACK bombs. A reader thread (started on demand,
 * so a test can also play a client that does not read) records what the server answers; it keeps
 * HEADERS, RST_STREAM and GOAWAY frames and only counts the rest, so a flood of acknowledgements
 * costs the test no memory.
 */
public final class RawConnection implements AutoCloseable {
  public static final int DATA = 0;
  public static final int HEADERS = 1;
  public static final int RST_STREAM = 3;
  public static final int SETTINGS = 4;
  public static final int PING = 6;
  public static final int GOAWAY = 7;
  public static final int WINDOW_UPDATE = 8;
  public static final int CONTINUATION = 9;
  public static final int END_STREAM = 0x1;
  public static final int ACK = 0x1;
  public static final int END_HEADERS = 0x4;

  public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A frame the server sent; for HEADERS the decoded headers. */
  public record Frame(int type, int flags, int streamId, byte[] payload, Http2Headers headers) {
    /** The error code of a GOAWAY or RST_STREAM. */
    public long errorCode() {
      int off = type == GOAWAY ? 4 : 0;
      return ((payload[off] & 0xffL) << 24) | ((payload[off + 1] & 0xff) << 16)
          | ((payload[off + 2] & 0xff) << 8) | (payload[off + 3] & 0xff);
    }

    /** A GOAWAY's debug data. */
    public String debug() {
      return type == GOAWAY ? new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8) : "";
    }

    @Override
    public String toString() {
      return "Frame{type=" + type + ", flags=" + flags + ", stream=" + streamId
          + (type == GOAWAY || type == RST_STREAM ? ", error=" + errorCode() + " " + debug() : "")
          + (headers != null ? ", headers=" + headers : "") + "}";
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
  private final AtomicLong acks = new AtomicLong();
  private final AtomicLong dataBytes = new AtomicLong();
  private final AtomicLong resets = new AtomicLong();
  /** Released once the server's first SETTINGS are acknowledged, or the connection is closed. */
  private final CountDownLatch settingsAcked = new CountDownLatch(1);
  private volatile boolean eof;
  /** How reading ended ("end of stream", or the exception), for failure messages. */
  private volatile String endedBy = "still reading";
  /** Whether the reader leaves the server's SETTINGS unacknowledged. */
  private volatile boolean silent;
  /** Counted down with {@code eof}: the reader saw the end of the connection. */
  private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
  private volatile boolean goAway;
  private Thread reader;
  private int nextStreamId = 1;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
  }

  /**
   * Connects to {@code 127.0.0.1:port}; {@code receiveBuffer} > 0 shrinks the socket's receive
   * buffer (for a client that does not read).
   */
  public static RawConnection connect(int port, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return new RawConnection(s);
  }

  /**
   * Connects, sends the preface and empty SETTINGS, starts reading, and waits (up to 10 s) until
   * the reader has acknowledged the server's SETTINGS: an acknowledgement written later could land
   * inside a header block the test is sending frame by frame.
   */
  public static RawConnection open(int port) throws IOException {
    RawConnection c = connect(port, 0);
    c.preface();
    c.startReading();
    try {
      c.settingsAcked.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return c;
  }

  public void preface() throws IOException {
    write(PREFACE);
    frame(SETTINGS, 0, 0, new byte[0]);
  }

  public synchronized int newStreamId() {
    int id = nextStreamId;
    nextStreamId += 2;
    return id;
  }

  public static byte[] frameBytes(int type, int flags, int streamId, byte[] payload) {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >>> 16);
    f[1] = (byte) (payload.length >>> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    f[5] = (byte) ((streamId >>> 24) & 0x7f);
    f[6] = (byte) (streamId >>> 16);
    f[7] = (byte) (streamId >>> 8);
    f[8] = (byte) streamId;
    System.arraycopy(payload, 0, f, 9, payload.length);
    return f;
  }

  public void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
    write(frameBytes(type, flags, streamId, payload));
  }

  public synchronized void write(byte[] bytes) throws IOException {
    out.write(bytes);
  }

  /** An HPACK block for {@code headers} (this connection's encoder state). */
  public synchronized byte[] encode(Http2Headers headers) {
    ByteBuf buf = Unpooled.buffer();
    try {
      hpack.encodeHeaders(0, headers, buf);
      byte[] b = new byte[buf.readableBytes()];
      buf.readBytes(b);
      return b;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      buf.release();
    }
  }

  /** Opens a stream with gRPC request headers for {@code path}; returns its id. */
  public int request(String path, boolean endStream) throws IOException {
    int id = newStreamId();
    frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), id, encode(RawHttp2Client.grpcHeaders(path)));
    return id;
  }

  public static byte[] rstPayload(long code) {
    return new byte[] {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code};
  }

  /** A gRPC message frame in a DATA payload. */
  public static byte[] grpcMessage(byte[] message) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(0);
    b.write(message.length >>> 24);
    b.write(message.length >>> 16);
    b.write(message.length >>> 8);
    b.write(message.length);
    b.writeBytes(message);
    return b.toByteArray();
  }

  /**
   * Starts a reader that sends nothing, not even the SETTINGS acknowledgement: for a client that
   * stays silent (or stops halfway through its preface), which an acknowledgement would end.
   */
  public synchronized void startReadingSilently() {
    silent = true;
    startReading();
  }

  /** Starts the reader thread (acknowledging the server's SETTINGS as a client must). */
  public synchronized void startReading() {
    if (reader != null) {
      return;
    }
    reader = new Thread(this::readLoop, "raw-h2-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void readLoop() {
    DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, 1 << 20);
    try {
      // Buffered: a flood of acknowledgements is read in large chunks, not two calls per frame.
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
      byte[] header = new byte[9];
      while (true) {
        in.readFully(header);
        int len = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
        int type = header[3] & 0xff;
        int flags = header[4] & 0xff;
        int stream = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16)
            | ((header[7] & 0xff) << 8) | (header[8] & 0xff);
        byte[] payload = new byte[len];
        in.readFully(payload);
        switch (type) {
          case SETTINGS -> {
            if ((flags & ACK) == 0) {
              if (!silent) {
                frame(SETTINGS, ACK, 0, new byte[0]);
              }
              settingsAcked.countDown();
            } else {
              acks.incrementAndGet();
            }
          }
          case PING -> acks.incrementAndGet();
          case DATA -> dataBytes.addAndGet(len);
          case HEADERS -> {
            Http2Headers h = null;
            try {
              ByteBuf block = Unpooled.wrappedBuffer(payload);
              h = decoder.decodeHeaders(stream, block);
              block.release();
            } catch (Exception e) {
              // Not ours to judge here.
            }
            frames.add(new Frame(type, flags, stream, payload, h));
          }
          case GOAWAY -> {
            goAway = true;
            frames.add(new Frame(type, flags, stream, payload, null));
          }
          case RST_STREAM -> {
            resets.incrementAndGet();
            frames.add(new Frame(type, flags, stream, payload, null));
          }
          default -> { }
        }
      }
    } catch (EOFException e) {
      // The server closed.
      endedBy = "end of stream";
    } catch (IOException e) {
      // Reset or closed by us.
      endedBy = e.toString();
    } finally {
      settingsAcked.countDown();
      eof = true;
      closed.countDown();
      frames.add(new Frame(-1, 0, 0, new byte[0], null));
    }
  }

  /** The next recorded frame of {@code type} (skipping others), or null on close or timeout. */
  public Frame await(int type, Duration timeout) throws InterruptedException {
    return awaitFrame(f -> f.type() == type, timeout);
  }

  /** The next HEADERS, RST_STREAM or GOAWAY for {@code streamId} (GOAWAY for any), or null. */
  public Frame awaitStream(int streamId, Duration timeout) throws InterruptedException {
    return awaitFrame(f -> f.streamId() == streamId || f.type() == GOAWAY, timeout);
  }

  /** The next recorded frame that {@code wanted} accepts (skipping others), or null. */
  private Frame awaitFrame(Predicate<Frame> wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      Frame f = frames.poll(left, TimeUnit.NANOSECONDS);
      if (f == null) {
        return null;
      }
      if (f.type() == -1) {
        // The end marker stays for whoever waits next.
        frames.add(f);
        return null;
      }
      if (wanted.test(f)) {
        return f;
      }
    }
  }

  /** Waits until the server closes the connection (needs the reader). */
  public boolean awaitClosed(Duration timeout) throws InterruptedException {
    return closed.await(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS) || eof;
  }

  /** How the reader ended, or "still reading": for failure messages. */
  public synchronized String endedBy() {
    return reader == null ? "not reading" : endedBy;
  }

  public long acks() {
    return acks.get();
  }

  public long dataBytes() {
    return dataBytes.get();
  }

  public boolean isClosedByServer() {
    return eof;
  }

  /** Whether the server has said GOAWAY (or closed): time for an attacker to stop sending. */
  public boolean isRefused() {
    return goAway || eof;
  }

  public long resets() {
    return resets.get();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
