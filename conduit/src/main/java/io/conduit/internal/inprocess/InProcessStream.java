package io.conduit.internal.inprocess;

import io.conduit.Compressor;
import io.conduit.Context;
import io.conduit.Marshaller;
import io.conduit.Metadata;
import io.conduit.Peer;
import io.conduit.Status;
import io.conduit.internal.ReservedHeaders;
import io.conduit.internal.SerializingExecutor;
import io.conduit.internal.transport.ClientStream;
import io.conduit.internal.transport.ClientStreamListener;
import io.conduit.internal.transport.MessageLimits;
import io.conduit.internal.transport.ServerStream;
import io.conduit.internal.transport.ServerStreamListener;
import io.conduit.internal.transport.StreamRequest;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Both ends of one in-process call. Messages travel serialized through two queues, one per
 * direction, delivered only as the receiver requests them; a sender is ready while less than
 * {@link #READY_THRESHOLD} bytes wait for its peer, as on the network. Each end's events run
 * one at a time on whichever thread caused them, never under the stream's lock; they are queued
 * under it, so two threads draining at once cannot swap a message and the end that follows it.
 */
final class InProcessStream {
  /** Bytes a sender may have waiting for its peer before it stops being ready. */
  static final int READY_THRESHOLD = 32 * 1024;

  private final InProcessConnection connection;
  private final StreamRequest request;
  private final int serverMaxInbound;
  private final Object lock = new Object();
  private final SerializingExecutor clientEvents = new SerializingExecutor(Runnable::run);
  private final SerializingExecutor serverEvents = new SerializingExecutor(Runnable::run);
  final Client client = new Client();
  final Server server = new Server();

  // Guarded by lock.
  private final Direction toServer = new Direction();
  private final Direction toClient = new Direction();
  private ClientStreamListener clientListener;
  private ServerStreamListener serverListener;
  private boolean clientClosed;
  private boolean serverClosed;
  private boolean headersSent;
  /** The server's final status and trailers, delivered once the client has read what precedes. */
  private Status finalStatus;
  private Metadata finalTrailers;
  private long timeoutNanos = -1;

  /** One direction's messages, the receiver's credits, and the sender's end of stream. */
  private static final class Direction {
    final ArrayDeque<InProcessMessage> queue = new ArrayDeque<>();
    int credits;
    long queuedBytes;
    boolean ended;
    boolean endDelivered;
  }

  InProcessStream(InProcessConnection connection, StreamRequest request, int serverMaxInbound) {
    this.connection = connection;
    this.request = request;
    this.serverMaxInbound = serverMaxInbound;
  }

  // ---------------------------------------------------------------- client end

  final class Client implements ClientStream {
    @Override
    public void start(ClientStreamListener listener) {
      synchronized (lock) {
        clientListener = listener;
        if (request.deadline() != null) {
          timeoutNanos = Math.max(1, request.deadline().remainingNanos());
        }
      }
      if (!connection.open(InProcessStream.this)) {
        closeClient(Status.UNAVAILABLE.withDescription("in-process server "
            + connection.address().name() + " is not accepting calls"), new Metadata(), true);
        return;
      }
      connection.server().streamCreated(server, request.method().path() == null
          ? "/" + request.method().fullMethodName() : request.method().path(),
          ReservedHeaders.applicationCopy(request.headers()));
    }

    @Override
    public int writeMessage(Object message) {
      @SuppressWarnings("unchecked")
      Marshaller<Object> m = (Marshaller<Object>) request.method().requestMarshaller();
      InProcessMessage bytes = InProcessMessage.serialize(m, message, request.maxOutboundMessageSize());
      if (serverMaxInbound >= 0 && bytes.size() > serverMaxInbound) {
        Status tooLarge = Status.RESOURCE_EXHAUSTED.withDescription(
            MessageLimits.tooLarge(true, bytes.size(), serverMaxInbound));
        server.abort(tooLarge, new Metadata(), true);
        return bytes.size();
      }
      synchronized (lock) {
        if (clientClosed) {
          return bytes.size();
        }
        toServer.queue.add(bytes);
        toServer.queuedBytes += bytes.size();
      }
      drainToServer();
      return bytes.size();
    }

    @Override
    public void request(int numMessages) {
      synchronized (lock) {
        toClient.credits = (int) Math.min(Integer.MAX_VALUE, (long) toClient.credits + numMessages);
      }
      drainToClient();
    }

    @Override
    public void halfClose() {
      synchronized (lock) {
        toServer.ended = true;
      }
      drainToServer();
    }

    @Override
    public void cancel(Status status) {
      closeClient(status, new Metadata(), false);
      cancelServer(Status.CANCELLED.withDescription("cancelled by the client: " + status.description()));
    }

    @Override
    public boolean isReady() {
      synchronized (lock) {
        return !clientClosed && toServer.queuedBytes < READY_THRESHOLD;
      }
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      // Nothing to compress in memory.
    }
  }

  // ---------------------------------------------------------------- server end

  final class Server implements ServerStream {
    @Override
    public void setListener(ServerStreamListener listener) {
      synchronized (lock) {
        serverListener = listener;
      }
    }

    @Override
    public void request(int numMessages) {
      synchronized (lock) {
        toServer.credits = (int) Math.min(Integer.MAX_VALUE, (long) toServer.credits + numMessages);
      }
      drainToServer();
    }

    @Override
    public void writeHeaders(Metadata headers) {
      Metadata copy = ReservedHeaders.applicationCopy(headers);
      synchronized (lock) {
        if (serverClosed || headersSent) {
          return;
        }
        headersSent = true;
        ClientStreamListener l = clientListener;
        clientEvents.enqueue(() -> l.headersRead(copy));
      }
      clientEvents.flush();
    }

    @Override
    public <T> int writeMessage(Marshaller<T> marshaller, T message) {
      InProcessMessage bytes = InProcessMessage.serialize(marshaller, message, -1);
      int clientMax = request.maxInboundMessageSize();
      if (clientMax >= 0 && bytes.size() > clientMax) {
        Status tooLarge = Status.RESOURCE_EXHAUSTED.withDescription(
            MessageLimits.tooLarge(false, bytes.size(), clientMax));
        closeClient(tooLarge, new Metadata(), false);
        cancelServer(Status.CANCELLED.withDescription("client refused a response: " + tooLarge.description()));
        return bytes.size();
      }
      synchronized (lock) {
        if (serverClosed) {
          return bytes.size();
        }
        toClient.queue.add(bytes);
        toClient.queuedBytes += bytes.size();
      }
      drainToClient();
      return bytes.size();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      finish(status, trailers, false);
    }

    @Override
    public void abort(Status status, Metadata trailers, boolean badInput) {
      finish(status, trailers, true);
    }

    @Override
    public void cancel(Status reason) {
      closeClient(onTheWire(reason), new Metadata(), false);
      cancelServer(reason);
    }

    @Override
    public boolean isReady() {
      synchronized (lock) {
        return !serverClosed && toClient.queuedBytes < READY_THRESHOLD;
      }
    }

    @Override
    public void setCompressor(Compressor compressor) {
      // Nothing to compress in memory.
    }

    @Override
    public void setMessageCompression(boolean enabled) {}

    @Override
    public CharSequence acceptEncoding() {
      return null;
    }

    @Override
    public long timeoutNanos() {
      synchronized (lock) {
        return timeoutNanos;
      }
    }

    @Override
    public String authority() {
      return connection.authority();
    }

    @Override
    public SocketAddress remoteAddress() {
      return connection.address();
    }

    @Override
    public Context transportContext() {
      return connection.transportContext();
    }

    @Override
    public ScheduledExecutorService scheduler() {
      return InProcessScheduler.get();
    }
  }

  /** What of a server's status reaches the client: code and description, not the cause. */
  private static Status onTheWire(Status status) {
    return status.cause() == null ? status : status.withCause(null);
  }

  /** Peer for handlers: the in-process address, no TLS. */
  static Context peerContext(SocketAddress address) {
    return Context.ROOT.withValue(Peer.KEY, new Peer(address, null));
  }

  // ---------------------------------------------------------------- delivery

  /**
   * The server's status: an OK one waits until the client has read the messages before it (a
   * failed call need not wait, as with HTTP/2 trailers); {@code aborted} tells the server's
   * listener it was cancelled instead of completed.
   */
  private void finish(Status status, Metadata trailers, boolean aborted) {
    synchronized (lock) {
      if (serverClosed) {
        return;
      }
      serverClosed = true;
      ServerStreamListener sl = serverListener;
      finalStatus = onTheWire(status);
      finalTrailers = ReservedHeaders.applicationCopy(trailers);
      toClient.ended = true;
      if (!status.isOk()) {
        toClient.queue.clear();
        toClient.queuedBytes = 0;
      }
      if (sl != null) {
        serverEvents.enqueue(aborted ? () -> sl.cancelled(status) : sl::completed);
      }
    }
    serverEvents.flush();
    drainToClient();
  }

  private void drainToServer() {
    synchronized (lock) {
      ServerStreamListener sl = serverListener;
      ClientStreamListener cl = clientListener;
      while (!serverClosed && sl != null) {
        if (toServer.credits > 0 && !toServer.queue.isEmpty()) {
          InProcessMessage next = toServer.queue.poll();
          toServer.credits--;
          long before = toServer.queuedBytes;
          toServer.queuedBytes -= next.size();
          serverEvents.enqueue(() -> sl.messageRead(next));
          if (cl != null && before >= READY_THRESHOLD && toServer.queuedBytes < READY_THRESHOLD) {
            clientEvents.enqueue(cl::onReady);
          }
        } else {
          if (toServer.queue.isEmpty() && toServer.ended && !toServer.endDelivered) {
            toServer.endDelivered = true;
            serverEvents.enqueue(sl::halfClosed);
          }
          break;
        }
      }
    }
    serverEvents.flush();
    clientEvents.flush();
  }

  private void drainToClient() {
    boolean done = false;
    synchronized (lock) {
      ServerStreamListener sl = serverListener;
      ClientStreamListener cl = clientListener;
      while (!clientClosed && cl != null) {
        if (toClient.credits > 0 && !toClient.queue.isEmpty()) {
          InProcessMessage next = toClient.queue.poll();
          toClient.credits--;
          long before = toClient.queuedBytes;
          toClient.queuedBytes -= next.size();
          clientEvents.enqueue(() -> cl.messageRead(next));
          if (sl != null && before >= READY_THRESHOLD && toClient.queuedBytes < READY_THRESHOLD) {
            serverEvents.enqueue(sl::onReady);
          }
        } else {
          if (toClient.queue.isEmpty() && toClient.ended && !toClient.endDelivered) {
            toClient.endDelivered = true;
            clientClosed = true;
            Status s = finalStatus;
            Metadata t = finalTrailers;
            clientEvents.enqueue(() -> cl.closed(s, t, false));
            done = true;
          }
          break;
        }
      }
    }
    clientEvents.flush();
    serverEvents.flush();
    if (done) {
      connection.streamDone(this);
    }
  }

  /** Ends the client's side now with {@code status} (unless it has ended). */
  void closeClient(Status status, Metadata trailers, boolean refused) {
    synchronized (lock) {
      if (clientClosed) {
        return;
      }
      clientClosed = true;
      toClient.queue.clear();
      toClient.queuedBytes = 0;
      ClientStreamListener cl = clientListener;
      if (cl != null) {
        clientEvents.enqueue(() -> cl.closed(status, trailers, refused));
      }
    }
    clientEvents.flush();
    connection.streamDone(this);
  }

  /** Ends the server's side now: its listener hears {@code cancelled} (unless it has ended). */
  void cancelServer(Status reason) {
    synchronized (lock) {
      if (serverClosed) {
        return;
      }
      serverClosed = true;
      toServer.queue.clear();
      toServer.queuedBytes = 0;
      ServerStreamListener sl = serverListener;
      if (sl != null) {
        serverEvents.enqueue(() -> sl.cancelled(reason));
      }
    }
    serverEvents.flush();
  }
}
