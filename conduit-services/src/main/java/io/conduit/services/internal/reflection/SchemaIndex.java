package io.conduit.services.internal.reflection;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.conduit.ServiceDefinition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What reflection knows of one server: its service names, and the proto files of the services
 * that carry a descriptor together with every file they import, indexed by file name, by the
 * full names of the symbols they declare and by the extensions they define. Immutable.
 */
final class SchemaIndex {
  private final List<String> serviceNames = new ArrayList<>();
  private final Map<String, FileDescriptor> files = new HashMap<>();
  private final Map<String, FileDescriptor> symbols = new HashMap<>();
  private final Map<String, Descriptor> messages = new HashMap<>();
  /** Containing type → extension number → the file that declares the extension. */
  private final Map<String, Map<Integer, FileDescriptor>> extensions = new HashMap<>();

  SchemaIndex(Collection<ServiceDefinition> services) {
    for (ServiceDefinition service : services) {
      serviceNames.add(service.name());
      FileDescriptor file = fileOf(service);
      if (file != null) {
        addWithDependencies(file);
      }
    }
  }

  /**
   * The file that declares {@code service}: a standard gRPC service's is the standard file (also
   * for the hand-written health service), a generated service's comes with its definition;
   * a service built by hand has none.
   */
  private static FileDescriptor fileOf(ServiceDefinition service) {
    ServiceDescriptor standard = StandardFiles.get().service(service.name());
    if (standard != null) {
      return standard.getFile();
    }
    if (service.schemaDescriptor() instanceof ServiceDescriptor descriptor
        && descriptor.getFullName().equals(service.name())) {
      return descriptor.getFile();
    }
    return null;
  }

  private void addWithDependencies(FileDescriptor root) {
    Deque<FileDescriptor> pending = new ArrayDeque<>();
    pending.add(root);
    while (!pending.isEmpty()) {
      FileDescriptor file = pending.poll();
      // The first file of a name wins: two builds of one .proto describe the same thing.
      if (files.putIfAbsent(file.getName(), file) == null) {
        index(file);
        pending.addAll(file.getDependencies());
      }
    }
  }

  private void index(FileDescriptor file) {
    for (ServiceDescriptor service : file.getServices()) {
      symbols.putIfAbsent(service.getFullName(), file);
      for (MethodDescriptor method : service.getMethods()) {
        symbols.putIfAbsent(method.getFullName(), file);
      }
    }
    for (Descriptor message : file.getMessageTypes()) {
      index(file, message);
    }
    for (EnumDescriptor e : file.getEnumTypes()) {
      symbols.putIfAbsent(e.getFullName(), file);
    }
    for (FieldDescriptor extension : file.getExtensions()) {
      indexExtension(file, extension);
    }
  }

  private void index(FileDescriptor file, Descriptor message) {
    symbols.putIfAbsent(message.getFullName(), file);
    messages.putIfAbsent(message.getFullName(), message);
    for (Descriptor nested : message.getNestedTypes()) {
      index(file, nested);
    }
    for (EnumDescriptor e : message.getEnumTypes()) {
      symbols.putIfAbsent(e.getFullName(), file);
    }
    for (FieldDescriptor extension : message.getExtensions()) {
      indexExtension(file, extension);
    }
  }

  private void indexExtension(FileDescriptor file, FieldDescriptor extension) {
    symbols.putIfAbsent(extension.getFullName(), file);
    extensions.computeIfAbsent(extension.getContainingType().getFullName(), k -> new TreeMap<>())
        .putIfAbsent(extension.getNumber(), file);
  }

  /** The server's services, in registration order, described or not. */
  List<String> serviceNames() {
    return serviceNames;
  }

  FileDescriptor fileByName(String name) {
    return files.get(name);
  }

  /** The file declaring a service, method, message, enum or extension of this full name. */
  FileDescriptor fileContainingSymbol(String fullName) {
    return symbols.get(fullName);
  }

  FileDescriptor fileContainingExtension(String containingType, int number) {
    Map<Integer, FileDescriptor> byNumber = extensions.get(containingType);
    return byNumber == null ? null : byNumber.get(number);
  }

  /** The extension numbers of a known message type, or {@code null} for an unknown type. */
  List<Integer> extensionNumbers(String messageType) {
    if (!messages.containsKey(messageType)) {
      return null;
    }
    Map<Integer, FileDescriptor> byNumber = extensions.get(messageType);
    return byNumber == null ? List.of() : List.copyOf(byNumber.keySet());
  }
}
