package io.conduit;

import io.conduit.internal.ChannelImpl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A virtual connection to a target: makes calls over one or more HTTP/2 connections that it
 * opens lazily and re-opens when they close.
 *
 * <pre>{@code
 * try (Channel channel = Channel.builder("localhost:50051").plaintext().build()) {
 *   HelloReply reply = GreeterRpc.newBlockingClient(channel).sayHello(request);
 * }
 * }</pre>
 *
 * <p>Targets: {@code host:port} or {@code dns:///host:port} for now.
 */
public final class Channel implements CallFactory, AutoCloseable {

  private final ChannelImpl impl;
  private final CallFactory calls;

  private Channel(Builder builder) {
    this.impl = new ChannelImpl(builder.config());
    this.calls = builder.interceptors.isEmpty()
        ? impl
        : ClientInterceptor.intercept(impl, List.copyOf(builder.interceptors));
  }

  /** A builder for {@code target}, e.g. {@code "localhost:50051"} or {@code "dns:///example.com:443"}. */
  public static Builder builder(String target) {
    return new Builder(target);
  }

  /** A builder for {@code host:port}. */
  public static Builder forAddress(String host, int port) {
    return new Builder(ChannelImpl.hostPort(host, port));
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    return calls.newCall(method, options);
  }

  /** The {@code :authority} sent with each call. */
  public String authority() {
    return impl.authority();
  }

  /** Refuses new calls, lets in-flight ones finish, then closes the connections. */
  public Channel shutdown() {
    impl.shutdown();
    return this;
  }

  /** Cancels in-flight calls and closes the connections now. */
  public Channel shutdownNow() {
    impl.shutdownNow();
    return this;
  }

  public boolean isShutdown() {
    return impl.isShutdown();
  }

  public boolean isTerminated() {
    return impl.isTerminated();
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return impl.awaitTermination(timeout);
  }

  /** Shuts down, waits up to 5 s for calls to finish, then forces the rest. */
  @Override
  public void close() {
    shutdown();
    try {
      if (!awaitTermination(Duration.ofSeconds(5))) {
        shutdownNow();
        awaitTermination(Duration.ofSeconds(5));
      }
    } catch (InterruptedException e) {
      shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "Channel[" + impl.authority() + "]";
  }

  /** Configures a {@link Channel}. */
  public static final class Builder {
    private final String target;
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private Executor executor;
    private boolean directExecutor;
    private int maxInboundMessageSize = 4 * 1024 * 1024;
    private int maxHeaderListSize = 8 * 1024;
    private String userAgent;
    private String authority;

    private Builder(String target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /** Connects without TLS (HTTP/2 with prior knowledge). */
    public Builder plaintext() {
      return this;
    }

    /** Interceptors for every call; the first one sees each call first. */
    public Builder intercept(ClientInterceptor... interceptors) {
      this.interceptors.addAll(List.of(interceptors));
      return this;
    }

    /** Runs call callbacks on {@code executor} instead of the default. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      this.directExecutor = false;
      return this;
    }

    /** Runs call callbacks on the I/O threads: for callbacks that never block. */
    public Builder directExecutor() {
      this.directExecutor = true;
      this.executor = null;
      return this;
    }

    /** The largest response message accepted (default 4 MiB). */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxInboundMessageSize must be > 0: " + bytes);
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /** The largest response header list accepted (default 8 KiB). */
    public Builder maxHeaderListSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxHeaderListSize must be > 0: " + bytes);
      }
      this.maxHeaderListSize = bytes;
      return this;
    }

    /** Put before Conduit's own product token in {@code user-agent}. */
    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    /** Overrides the {@code :authority} (default: the target's host and port). */
    public Builder authority(String authority) {
      this.authority = authority;
      return this;
    }

    public Channel build() {
      return new Channel(this);
    }

    ChannelImpl.Config config() {
      return new ChannelImpl.Config(target, authority, userAgent, executor, directExecutor,
          maxInboundMessageSize, maxHeaderListSize);
    }
  }
}
