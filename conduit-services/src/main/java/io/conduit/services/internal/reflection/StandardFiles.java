package io.conduit.services.internal.reflection;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The standard gRPC protos (reflection v1 and v1alpha, health, channelz) as grpc-java ships them,
 * read from the descriptor set the build makes of them. Reflection serves these rather than the
 * descriptors of this module's generated classes, whose {@code java_package} was moved to keep
 * them apart from grpc-java's: a tool sees the files every gRPC server serves.
 */
public final class StandardFiles {
  private static final String RESOURCE = "/io/conduit/services/internal/standard-protos.pb";

  /** The well-known types the standard protos import, as protobuf-java itself carries them. */
  private static final Map<String, FileDescriptor> WELL_KNOWN = Map.of(
      "google/protobuf/any.proto", com.google.protobuf.AnyProto.getDescriptor(),
      "google/protobuf/duration.proto", com.google.protobuf.DurationProto.getDescriptor(),
      "google/protobuf/timestamp.proto", com.google.protobuf.TimestampProto.getDescriptor(),
      "google/protobuf/wrappers.proto", com.google.protobuf.WrappersProto.getDescriptor(),
      "google/protobuf/empty.proto", com.google.protobuf.EmptyProto.getDescriptor(),
      "google/protobuf/struct.proto", com.google.protobuf.StructProto.getDescriptor());

  private final Map<String, FileDescriptor> files;
  private final Map<String, ServiceDescriptor> services;

  private StandardFiles(Map<String, FileDescriptor> files) {
    this.files = files;
    Map<String, ServiceDescriptor> byName = new HashMap<>();
    for (FileDescriptor file : files.values()) {
      for (ServiceDescriptor service : file.getServices()) {
        byName.put(service.getFullName(), service);
      }
    }
    this.services = byName;
  }

  /** The files, read once. */
  public static StandardFiles get() {
    return Holder.INSTANCE;
  }

  /** The standard service of this full name ({@code grpc.health.v1.Health}), or {@code null}. */
  public ServiceDescriptor service(String fullName) {
    return services.get(fullName);
  }

  /** The standard file of this name ({@code grpc/health/v1/health.proto}), or {@code null}. */
  public FileDescriptor file(String name) {
    return files.get(name);
  }

  /**
   * The file as protoc embeds it in generated code, and so as grpc-java's reflection serves it:
   * a descriptor set carries every field's {@code json_name}, generated code only those the
   * {@code .proto} sets to other than the default.
   */
  private static FileDescriptorProto asEmbedded(FileDescriptorProto file) {
    FileDescriptorProto.Builder b = file.toBuilder();
    b.getMessageTypeBuilderList().forEach(StandardFiles::clearDefaultJsonNames);
    b.getExtensionBuilderList().forEach(StandardFiles::clearDefaultJsonName);
    return b.build();
  }

  private static void clearDefaultJsonNames(DescriptorProto.Builder message) {
    message.getFieldBuilderList().forEach(StandardFiles::clearDefaultJsonName);
    message.getExtensionBuilderList().forEach(StandardFiles::clearDefaultJsonName);
    message.getNestedTypeBuilderList().forEach(StandardFiles::clearDefaultJsonNames);
  }

  private static void clearDefaultJsonName(FieldDescriptorProto.Builder field) {
    if (field.getJsonName().equals(defaultJsonName(field.getName()))) {
      field.clearJsonName();
    }
  }

  /** protoc's default: the name in lowerCamelCase, each underscore dropped and the next letter raised. */
  private static String defaultJsonName(String name) {
    StringBuilder json = new StringBuilder(name.length());
    boolean raise = false;
    for (char c : name.toCharArray()) {
      if (c == '_') {
        raise = true;
      } else {
        json.append(raise ? Character.toUpperCase(c) : c);
        raise = false;
      }
    }
    return json.toString();
  }

  private static final class Holder {
    static final StandardFiles INSTANCE = load();
  }

  private static StandardFiles load() {
    try (InputStream in = StandardFiles.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      // protoc writes a file after the files it imports.
      Map<String, FileDescriptor> built = new LinkedHashMap<>();
      for (FileDescriptorProto read : FileDescriptorSet.parseFrom(in).getFileList()) {
        FileDescriptor wellKnown = WELL_KNOWN.get(read.getName());
        if (wellKnown != null) {
          // The one generated code links to, so that a server serves one version of it.
          built.put(read.getName(), wellKnown);
          continue;
        }
        FileDescriptorProto proto = asEmbedded(read);
        FileDescriptor[] deps = proto.getDependencyList().stream().map(built::get)
            .toArray(FileDescriptor[]::new);
        built.put(proto.getName(), FileDescriptor.buildFrom(proto, deps));
      }
      return new StandardFiles(built);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException("invalid standard proto", e);
    }
  }
}
