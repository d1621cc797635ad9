package io.conduit.cli;

import com.google.protobuf.Descriptors.FileDescriptor;
import java.util.List;

/** Where the command learns the server's schema: its reflection service, or protoset files. */
interface DescriptorSource extends AutoCloseable {
  /** The full names of the services. */
  List<String> listServices();

  /** The file declaring the symbol (service, method, message, enum), or {@code null}. */
  FileDescriptor fileContainingSymbol(String fullName);

  @Override
  void close();
}
