package io.conduit;

import java.util.Objects;

/**
 * Describes one RPC method: its full name ({@code package.Service/Method}), its call type and how
 * its request and response messages are marshalled. Generated code creates one per method.
 *
 * @param <Q> the request message type
 * @param <R> the response message type
 */
public final class MethodDescriptor<Q, R> {

  /** The four kinds of gRPC call. */
  public enum Type {
    /** One request, one response. */
    UNARY(false, false),
    /** A stream of requests, one response. */
    CLIENT_STREAMING(true, false),
    /** One request, a stream of responses. */
    SERVER_STREAMING(false, true),
    /** A stream each way. */
    BIDI_STREAMING(true, true);

    private final boolean clientStreaming;
    private final boolean serverStreaming;

    Type(boolean clientStreaming, boolean serverStreaming) {
      this.clientStreaming = clientStreaming;
      this.serverStreaming = serverStreaming;
    }

    /** {@return whether the client may send more than one message} */
    public boolean clientStreaming() {
      return clientStreaming;
    }

    /** {@return whether the server may send more than one message} */
    public boolean serverStreaming() {
      return serverStreaming;
    }
  }

  private final Type type;
  private final String fullMethodName;
  private final String serviceName;
  private final String methodName;
  private final String path;
  private final Marshaller<Q> requestMarshaller;
  private final Marshaller<R> responseMarshaller;
  private final boolean idempotent;
  private final boolean safe;
  private final boolean generated;

  private MethodDescriptor(Builder<Q, R> b) {
    this.type = Objects.requireNonNull(b.type, "type");
    this.fullMethodName = Objects.requireNonNull(b.fullMethodName, "fullMethodName");
    int slash = fullMethodName.indexOf('/');
    if (slash <= 0 || slash == fullMethodName.length() - 1 || fullMethodName.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException(
          "full method name must be 'package.Service/Method': " + fullMethodName);
    }
    this.serviceName = fullMethodName.substring(0, slash);
    this.methodName = fullMethodName.substring(slash + 1);
    this.path = "/" + fullMethodName;
    this.requestMarshaller = Objects.requireNonNull(b.requestMarshaller, "requestMarshaller");
    this.responseMarshaller = Objects.requireNonNull(b.responseMarshaller, "responseMarshaller");
    this.idempotent = b.idempotent;
    this.safe = b.safe;
    this.generated = b.generated;
  }

  /**
   * {@return a builder for a descriptor; type, full method name and both marshallers are required}
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   */
  public static <Q, R> Builder<Q, R> builder() {
    return new Builder<>();
  }

  /**
   * Shorthand for a descriptor without idempotency flags.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param type the call type
   * @param fullMethodName the full name, {@code package.Service/Method}
   * @param request the request marshaller
   * @param response the response marshaller
   * @return the descriptor
   */
  public static <Q, R> MethodDescriptor<Q, R> of(
      Type type, String fullMethodName, Marshaller<Q> request, Marshaller<R> response) {
    return MethodDescriptor.<Q, R>builder()
        .type(type)
        .fullMethodName(fullMethodName)
        .requestMarshaller(request)
        .responseMarshaller(response)
        .build();
  }

  /**
   * {@code service + "/" + method}.
   *
   * @param service the full service name, {@code package.Service}
   * @param method the method's name
   * @return the full method name
   */
  public static String fullMethodName(String service, String method) {
    return service + "/" + method;
  }

  /** {@return the call type} */
  public Type type() {
    return type;
  }

  /**
   * {@code package.Service/Method}.
   *
   * @return the full method name, {@code package.Service/Method}
   */
  public String fullMethodName() {
    return fullMethodName;
  }

  /**
   * {@code package.Service}.
   *
   * @return the full service name, {@code package.Service}
   */
  public String serviceName() {
    return serviceName;
  }

  /**
   * {@code Method}.
   *
   * @return the method's own name, {@code Method}
   */
  public String methodName() {
    return methodName;
  }

  /** {@return the HTTP/2 {@code :path}: {@code /package.Service/Method}} */
  public String path() {
    return path;
  }

  /**
   * Turns requests into bytes and back.
   *
   * @return the request marshaller
   */
  public Marshaller<Q> requestMarshaller() {
    return requestMarshaller;
  }

  /**
   * Turns responses into bytes and back.
   *
   * @return the response marshaller
   */
  public Marshaller<R> responseMarshaller() {
    return responseMarshaller;
  }

  /** {@return whether the method may be safely repeated (proto option {@code IDEMPOTENT})} */
  public boolean isIdempotent() {
    return idempotent;
  }

  /** {@return whether the method has no side effects (proto option {@code NO_SIDE_EFFECTS})} */
  public boolean isSafe() {
    return safe;
  }

  /**
   * Whether the code generator made it from a {@code .proto} file. Telemetry reports the names
   * of such methods; other names count as {@code "other"} unless the user opts in (gRFC A66),
   * so that arbitrary method names cannot blow up a metric's cardinality.
   *
   * @return whether generated code made it
   */
  public boolean isGenerated() {
    return generated;
  }

  @Override
  public String toString() {
    return "MethodDescriptor[" + fullMethodName + ", " + type + "]";
  }

  /** Builds a {@link MethodDescriptor}. */
  public static final class Builder<Q, R> {
    private Type type;
    private String fullMethodName;
    private Marshaller<Q> requestMarshaller;
    private Marshaller<R> responseMarshaller;
    private boolean idempotent;
    private boolean safe;
    private boolean generated;

    private Builder() {}

    /**
     * Sets the call type.
     *
     * @param type the call type
     * @return this builder
     */
    public Builder<Q, R> type(Type type) {
      this.type = type;
      return this;
    }

    /**
     * Sets the full name, {@code package.Service/Method}.
     *
     * @param fullMethodName the full name
     * @return this builder
     */
    public Builder<Q, R> fullMethodName(String fullMethodName) {
      this.fullMethodName = fullMethodName;
      return this;
    }

    /**
     * Sets the request marshaller.
     *
     * @param marshaller the request marshaller
     * @return this builder
     */
    public Builder<Q, R> requestMarshaller(Marshaller<Q> marshaller) {
      this.requestMarshaller = marshaller;
      return this;
    }

    /**
     * Sets the response marshaller.
     *
     * @param marshaller the response marshaller
     * @return this builder
     */
    public Builder<Q, R> responseMarshaller(Marshaller<R> marshaller) {
      this.responseMarshaller = marshaller;
      return this;
    }

    /**
     * Marks the method as safe to retry (no side effect beyond the first call).
     *
     * @param idempotent whether the method is idempotent
     * @return this builder
     */
    public Builder<Q, R> idempotent(boolean idempotent) {
      this.idempotent = idempotent;
      return this;
    }

    /**
     * Marks the method as free of side effects.
     *
     * @param safe whether the method is free of side effects
     * @return this builder
     */
    public Builder<Q, R> safe(boolean safe) {
      this.safe = safe;
      return this;
    }

    /**
     * Marks a descriptor the code generator made (see {@link MethodDescriptor#isGenerated}).
     *
     * @param generated whether generated code made it
     * @return this builder
     */
    public Builder<Q, R> generated(boolean generated) {
      this.generated = generated;
      return this;
    }

    /** {@return the descriptor; type, name and both marshallers are required} */
    public MethodDescriptor<Q, R> build() {
      return new MethodDescriptor<>(this);
    }
  }
}
