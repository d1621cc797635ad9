package io.conduit.cli;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.GenericDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;

/** Writes a descriptor back as {@code .proto} source: what {@code conduit describe} prints. */
final class ProtoPrinter {
  private final StringBuilder out = new StringBuilder();
  private int depth;

  private ProtoPrinter() {}

  /** {@code descriptor}'s definition, after a line saying what it is. */
  static String describe(GenericDescriptor descriptor) {
    ProtoPrinter p = new ProtoPrinter();
    String kind;
    if (descriptor instanceof ServiceDescriptor) {
      kind = "a service";
    } else if (descriptor instanceof MethodDescriptor) {
      kind = "a method";
    } else if (descriptor instanceof Descriptor) {
      kind = "a message";
    } else if (descriptor instanceof EnumDescriptor) {
      kind = "an enum";
    } else {
      kind = ((FieldDescriptor) descriptor).isExtension() ? "an extension" : "a field";
    }
    p.out.append(descriptor.getFullName()).append(" is ").append(kind).append(" (")
        .append(descriptor.getFile().getName()).append("):\n");
    if (descriptor instanceof ServiceDescriptor s) {
      p.service(s);
    } else if (descriptor instanceof MethodDescriptor m) {
      p.method(m);
    } else if (descriptor instanceof Descriptor d) {
      p.message(d);
    } else if (descriptor instanceof EnumDescriptor e) {
      p.enumType(e);
    } else {
      p.field((FieldDescriptor) descriptor);
    }
    return p.out.toString();
  }

  private void line(String text) {
    out.append("  ".repeat(depth)).append(text).append('\n');
  }

  private void service(ServiceDescriptor service) {
    line("service " + service.getName() + " {");
    depth++;
    service.getMethods().forEach(this::method);
    depth--;
    line("}");
  }

  private void method(MethodDescriptor m) {
    line("rpc " + m.getName() + "(" + (m.isClientStreaming() ? "stream " : "")
        + typeName(m.getInputType()) + ") returns (" + (m.isServerStreaming() ? "stream " : "")
        + typeName(m.getOutputType()) + ");");
  }

  private void message(Descriptor message) {
    line("message " + message.getName() + " {");
    depth++;
    for (FieldDescriptor f : message.getFields()) {
      if (f.getRealContainingOneof() == null) {
        field(f);
      } else if (f.getRealContainingOneof().getField(0) == f) {
        oneof(f.getRealContainingOneof());
      }
    }
    for (Descriptor nested : message.getNestedTypes()) {
      if (!nested.getOptions().getMapEntry()) {
        message(nested);
      }
    }
    message.getEnumTypes().forEach(this::enumType);
    for (var range : message.toProto().getExtensionRangeList()) {
      line("extensions " + range.getStart() + " to " + (range.getEnd() - 1) + ";");
    }
    depth--;
    line("}");
  }

  private void oneof(OneofDescriptor oneof) {
    line("oneof " + oneof.getName() + " {");
    depth++;
    oneof.getFields().forEach(this::field);
    depth--;
    line("}");
  }

  private void field(FieldDescriptor f) {
    String extendee = f.isExtension() ? "extend " + typeName(f.getContainingType()) + ": " : "";
    line(extendee + label(f) + type(f) + " " + f.getName() + " = " + f.getNumber() + ";");
  }

  private static String label(FieldDescriptor f) {
    if (f.isMapField() || f.getRealContainingOneof() != null) {
      return "";
    }
    if (f.isRepeated()) {
      return "repeated ";
    }
    if (f.isRequired()) {
      return "required ";
    }
    boolean proto3 = "proto3".equals(f.getFile().toProto().getSyntax());
    if (proto3) {
      return f.toProto().getProto3Optional() ? "optional " : "";
    }
    return f.getFile().toProto().getSyntax().equals("editions") ? "" : "optional ";
  }

  private static String type(FieldDescriptor f) {
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      return "map<" + type(entry.findFieldByNumber(1)) + ", " + type(entry.findFieldByNumber(2)) + ">";
    }
    return switch (f.getType()) {
      case MESSAGE, GROUP -> typeName(f.getMessageType());
      case ENUM -> typeName(f.getEnumType());
      default -> f.getType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  private void enumType(EnumDescriptor e) {
    line("enum " + e.getName() + " {");
    depth++;
    for (EnumValueDescriptor v : e.getValues()) {
      line(v.getName() + " = " + v.getNumber() + ";");
    }
    depth--;
    line("}");
  }

  private static String typeName(GenericDescriptor type) {
    return "." + type.getFullName();
  }
}
