package io.conduit.internal;

import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.Executor;

/** Placeholder while the transport lands. */
public final class ChannelImpl implements CallFactory {
  public record Config(String target, String authority, String userAgent, Executor executor,
      boolean directExecutor, int maxInboundMessageSize, int maxHeaderListSize) {}

  public ChannelImpl(Config config) {}

  public static String hostPort(String host, int port) {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    throw new UnsupportedOperationException();
  }

  public String authority() {
    return "";
  }

  public void shutdown() {}

  public void shutdownNow() {}

  public boolean isShutdown() {
    return false;
  }

  public boolean isTerminated() {
    return false;
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return false;
  }
}
