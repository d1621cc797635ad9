package io.conduit.internal.inprocess;

import io.conduit.Marshaller;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.internal.transport.InboundMessage;
import java.nio.ByteBuffer;

/**
 * A message in transit between the two ends of an in-process stream: always serialized, so a
 * marshaller bug shows up in tests as it would over the network. There is no zero-copy mode.
 */
final class InProcessMessage implements InboundMessage {
  private final byte[] bytes;

  private InProcessMessage(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Serializes {@code message}.
   *
   * @throws StatusException RESOURCE_EXHAUSTED beyond {@code maxSize} (-1: no limit), INTERNAL
   *     when the marshaller fails
   */
  static <T> InProcessMessage serialize(Marshaller<T> marshaller, T message, int maxSize) {
    int size = marshaller.serializedSize(message);
    if (maxSize >= 0 && size > maxSize) {
      throw Status.RESOURCE_EXHAUSTED.withDescription("message of " + size
          + " bytes exceeds the outbound limit of " + maxSize).asException();
    }
    byte[] bytes = new byte[size];
    ByteBuffer target = ByteBuffer.wrap(bytes);
    marshaller.write(message, target);
    if (target.hasRemaining()) {
      throw Status.INTERNAL.withDescription("marshaller wrote " + target.position()
          + " bytes of the " + size + " it announced").asException();
    }
    return new InProcessMessage(bytes);
  }

  @Override
  public int size() {
    return bytes.length;
  }

  @Override
  public <T> T parse(Marshaller<T> marshaller) {
    return marshaller.parse(ByteBuffer.wrap(bytes).asReadOnlyBuffer());
  }

  @Override
  public void discard() {}

  @Override
  public boolean compressed() {
    return false;
  }

  @Override
  public int wireSize() {
    return bytes.length;
  }
}
