package io.conduit.health;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.conduit.Marshaller;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The {@code grpc.health.v1.Health} protocol: its two methods and their messages. The messages
 * are tiny (one field each) and written by hand, so that this package brings no generated
 * classes that could clash with grpc-java's {@code io.grpc.health.v1} on a shared classpath.
 */
public final class Health {
  /** The full name of the health service. */
  public static final String SERVICE_NAME = "grpc.health.v1.Health";

  /** {@code HealthCheckRequest}: the service to check; empty for the server as a whole. */
  public record Request(String service) {
    /**
     * Replaces a null service with the empty one.
     *
     * @param service the service's name; empty for the whole server
     */
    public Request {
      service = service == null ? "" : service;
    }
  }

  /** {@code HealthCheckResponse}. */
  public record Response(HealthStatus status) {}

  static final Marshaller<Request> REQUEST = new Marshaller<>() {
    @Override
    public int serializedSize(Request value) {
      return value.service().isEmpty() ? 0 : CodedOutputStream.computeStringSize(1, value.service());
    }

    @Override
    public void write(Request value, ByteBuffer target) {
      if (!value.service().isEmpty()) {
        writeTo(target, out -> out.writeString(1, value.service()));
      }
    }

    @Override
    public Request parse(ByteBuffer source) {
      String service = "";
      try {
        CodedInputStream in = CodedInputStream.newInstance(source);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
          if (tag == (1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
            service = in.readStringRequireUtf8();
          } else if (!in.skipField(tag)) {
            break;
          }
        }
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("invalid HealthCheckRequest: " + e.getMessage()).asException();
      }
      return new Request(service);
    }
  };

  static final Marshaller<Response> RESPONSE = new Marshaller<>() {
    @Override
    public int serializedSize(Response value) {
      int n = value.status().ordinal();
      return n == 0 ? 0 : CodedOutputStream.computeEnumSize(1, n);
    }

    @Override
    public void write(Response value, ByteBuffer target) {
      int n = value.status().ordinal();
      if (n != 0) {
        writeTo(target, out -> out.writeEnum(1, n));
      }
    }

    @Override
    public Response parse(ByteBuffer source) {
      int status = 0;
      try {
        CodedInputStream in = CodedInputStream.newInstance(source);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
          if (tag == (1 << 3 | WireFormat.WIRETYPE_VARINT)) {
            status = in.readEnum();
          } else if (!in.skipField(tag)) {
            break;
          }
        }
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("invalid HealthCheckResponse: " + e.getMessage()).asException();
      }
      return new Response(HealthStatus.of(status));
    }
  };

  /** {@code rpc Check(HealthCheckRequest) returns (HealthCheckResponse)}. */
  public static final MethodDescriptor<Request, Response> CHECK = MethodDescriptor.of(
      MethodDescriptor.Type.UNARY, SERVICE_NAME + "/Check", REQUEST, RESPONSE);

  /** {@code rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse)}. */
  public static final MethodDescriptor<Request, Response> WATCH = MethodDescriptor.of(
      MethodDescriptor.Type.SERVER_STREAMING, SERVICE_NAME + "/Watch", REQUEST, RESPONSE);

  private Health() {}

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static void writeTo(ByteBuffer target, Writer writer) {
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(target);
      writer.write(out);
      out.flush();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
