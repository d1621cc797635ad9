package io.conduit.cli;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** Writes protoset files, as {@code protoc --include_imports --descriptor_set_out} does. */
public final class Protosets {
  private Protosets() {}

  /** A FileDescriptorSet of {@code file} and everything it imports, imports first, in {@code dir}. */
  public static Path write(FileDescriptor file, Path dir) throws IOException {
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    add(file, set, new HashSet<>());
    Path path = dir.resolve(file.getName().replace('/', '_') + ".protoset");
    Files.write(path, set.build().toByteArray());
    return path;
  }

  private static void add(FileDescriptor file, FileDescriptorSet.Builder set, Set<String> seen) {
    if (seen.add(file.getName())) {
      file.getDependencies().forEach(d -> add(d, set, seen));
      set.addFile(file.toProto());
    }
  }
}
