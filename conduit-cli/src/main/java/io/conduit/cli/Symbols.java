package io.conduit.cli;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.GenericDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;

/** Finds what a full name ({@code pkg.Outer.Inner}, {@code pkg.Service.Method}) names in a file. */
final class Symbols {
  private Symbols() {}

  /** The service, method, message, enum or extension {@code fullName} in {@code file}, or null. */
  static GenericDescriptor find(FileDescriptor file, String fullName) {
    String pkg = file.getPackage();
    if (!pkg.isEmpty() && !fullName.startsWith(pkg + ".")) {
      return null;
    }
    String[] parts = (pkg.isEmpty() ? fullName : fullName.substring(pkg.length() + 1)).split("\\.");
    String first = parts[0];
    if (parts.length == 1) {
      GenericDescriptor top = file.findMessageTypeByName(first);
      if (top == null) {
        top = file.findEnumTypeByName(first);
      }
      if (top == null) {
        top = file.findServiceByName(first);
      }
      return top != null ? top : file.findExtensionByName(first);
    }
    ServiceDescriptor service = file.findServiceByName(first);
    if (service != null) {
      return parts.length == 2 ? service.findMethodByName(parts[1]) : null;
    }
    Descriptor message = file.findMessageTypeByName(first);
    for (int i = 1; message != null && i < parts.length; i++) {
      String part = parts[i];
      if (i == parts.length - 1) {
        GenericDescriptor last = message.findNestedTypeByName(part);
        if (last == null) {
          last = message.findEnumTypeByName(part);
        }
        if (last == null) {
          last = message.findFieldByName(part);
        }
        return last;
      }
      message = message.findNestedTypeByName(part);
    }
    return null;
  }
}
