package io.conduit.opentelemetry.internal;

/** How a method is named in metrics (gRFC A66) and spans (gRFC A72). */
public final class MethodNames {
  private MethodNames() {}

  /** The {@code grpc.method} value: the name, or {@code "other"} for a name not known in advance. */
  public static String metricName(String fullMethodName, boolean known, boolean recordAll) {
    return known || recordAll ? fullMethodName : "other";
  }

  /** {@code prefix.<service>.<method>}, e.g. {@code Sent.helloworld.Greeter.SayHello}. */
  public static String spanName(String prefix, String fullMethodName) {
    return prefix + "." + fullMethodName.replace('/', '.');
  }
}
