package io.conduit.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonStreamParser;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.Reader;
import java.util.HashSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Requests from JSON and responses to JSON, in protobuf's JSON mapping, with the types of the
 * method's files known (for {@code google.protobuf.Any}).
 */
final class JsonMessages {
  private final JsonFormat.Parser parser;
  private final JsonFormat.Printer printer;

  JsonMessages(FileDescriptor file) {
    JsonFormat.TypeRegistry.Builder types = JsonFormat.TypeRegistry.newBuilder();
    addAll(file, types, new HashSet<>());
    JsonFormat.TypeRegistry registry = types.build();
    this.parser = JsonFormat.parser().usingTypeRegistry(registry);
    this.printer = JsonFormat.printer().usingTypeRegistry(registry).omittingInsignificantWhitespace();
  }

  private static void addAll(FileDescriptor file, JsonFormat.TypeRegistry.Builder types, Set<String> seen) {
    if (seen.add(file.getName())) {
      file.getMessageTypes().forEach(types::add);
      file.getDependencies().forEach(d -> addAll(d, types, seen));
    }
  }

  /** One request of {@code type} from one JSON value; a mismatch names the field, in a UsageException. */
  DynamicMessage parse(String json, Descriptor type) {
    DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
    try {
      parser.merge(json, message);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new UsageException("the request does not match " + type.getFullName() + ": "
          + e.getMessage());
    }
    return message.build();
  }

  String print(Message message) {
    try {
      return printer.print(message);
    } catch (InvalidProtocolBufferException e) {
      // An Any of a type the files do not declare: print what can be printed.
      return message.toString();
    }
  }

  /** The JSON values of {@code in}, one after another, whitespace between them or not. */
  static Iterator<String> values(Reader in) {
    JsonStreamParser stream = new JsonStreamParser(in);
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        try {
          return stream.hasNext();
        } catch (JsonParseException e) {
          throw new UsageException("the requests are not JSON: " + e.getMessage());
        }
      }

      @Override
      public String next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        try {
          JsonElement value = stream.next();
          return value.toString();
        } catch (JsonParseException e) {
          throw new UsageException("the requests are not JSON: " + e.getMessage());
        }
      }
    };
  }
}
