package io.conduit.cli;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The schema from {@code FileDescriptorSet} files ({@code protoc --descriptor_set_out
 * --include_imports}), for servers without reflection: their services are those the files
 * declare.
 */
final class ProtosetSource implements DescriptorSource {
  private final Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
  private final Map<String, FileDescriptor> built = new HashMap<>();

  ProtosetSource(List<Path> files) {
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (FileDescriptorProto proto : FileDescriptorSet.parseFrom(in).getFileList()) {
          protos.putIfAbsent(proto.getName(), proto);
        }
      } catch (IOException e) {
        throw new UsageException("cannot read protoset " + file + ": " + e.getMessage());
      }
    }
    for (String name : protos.keySet()) {
      build(name, new HashSet<>());
    }
  }

  private FileDescriptor build(String name, Set<String> inProgress) {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = protos.get(name);
    if (proto == null) {
      throw new UsageException("the protosets lack " + name
          + ": make them with protoc --include_imports");
    }
    if (!inProgress.add(name)) {
      throw new UsageException("the protosets' files import each other in a cycle: " + name);
    }
    List<FileDescriptor> dependencies = new ArrayList<>();
    for (String dependency : proto.getDependencyList()) {
      dependencies.add(build(dependency, inProgress));
    }
    try {
      FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies.toArray(new FileDescriptor[0]));
      built.put(name, file);
      return file;
    } catch (DescriptorValidationException e) {
      throw new UsageException("invalid file " + name + " in the protosets: " + e.getMessage());
    }
  }

  @Override
  public List<String> listServices() {
    List<String> names = new ArrayList<>();
    for (String name : protos.keySet()) {
      built.get(name).getServices().forEach(s -> names.add(s.getFullName()));
    }
    return names;
  }

  @Override
  public FileDescriptor fileContainingSymbol(String fullName) {
    for (FileDescriptor file : built.values()) {
      if (declares(file, fullName)) {
        return file;
      }
    }
    return null;
  }

  private static boolean declares(FileDescriptor file, String fullName) {
    return Symbols.find(file, fullName) != null;
  }

  @Override
  public void close() {}
}
