package io.conduit.internal.channelz;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The process's one channelz id space: channels, subchannels, servers and sockets each take an
 * id from here when they are made (one increment per connection, none per call).
 */
public final class ChannelzIds {
  private static final AtomicLong NEXT = new AtomicLong();

  private ChannelzIds() {}

  public static long next() {
    return NEXT.incrementAndGet();
  }
}
