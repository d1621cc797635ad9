package io.conduit.cli;

import com.google.protobuf.Descriptors.FileDescriptor;
import io.conduit.CallFactory;
import io.conduit.CallOptions;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.services.reflection.ReflectionClient;
import java.util.List;

/** The schema from the server's reflection service, asked on one stream. */
final class ReflectionSource implements DescriptorSource {
  private final ReflectionClient client;

  ReflectionSource(CallFactory channel, CallOptions options) {
    this.client = ReflectionClient.open(channel, options);
  }

  @Override
  public List<String> listServices() {
    try {
      return client.listServices();
    } catch (StatusException e) {
      throw explained(e);
    }
  }

  @Override
  public FileDescriptor fileContainingSymbol(String fullName) {
    try {
      return client.fileContainingSymbol(fullName);
    } catch (StatusException e) {
      if (e.status().code() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw explained(e);
    }
  }

  /** A server without reflection gets a hint: the schema can come from a file instead. */
  private static RuntimeException explained(StatusException e) {
    if (e.status().code() == Status.Code.UNIMPLEMENTED) {
      return new StatusException(e.status().withDescription("the server does not support "
          + "reflection (" + e.status().description() + "); give its schema with --protoset FILE "
          + "(protoc --include_imports --descriptor_set_out=FILE ...)"));
    }
    return e;
  }

  @Override
  public void close() {
    client.close();
  }
}
