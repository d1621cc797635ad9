package io.conduit.stub;

import java.util.Iterator;

/**
 * The responses of a server-streaming call, read on the calling thread. {@link #hasNext()}
 * blocks until a message or the end arrives and throws {@link io.conduit.StatusException} when the
 * call fails. Close it to stop early: that cancels the call.
 */
public interface BlockingIterator<T> extends Iterator<T>, AutoCloseable {
  /** Cancels the call if it has not finished; never throws. */
  @Override
  void close();
}
