package io.conduit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A service as the server sees it: its name, a handler per method and, optionally, the schema
 * it was generated from. Generated service base classes build one; hand-written services can too.
 *
 * <pre>{@code
 * ServiceDefinition echo = ServiceDefinition.builder("demo.Echo")
 *     .method(ECHO_METHOD, ServerCalls.unary((req, out) -> { out.onNext(req); out.onCompleted(); }))
 *     .build();
 * }</pre>
 */
public final class ServiceDefinition {

  /** One method and the handler that serves it. */
  public record Method<Q, R>(MethodDescriptor<Q, R> descriptor, ServerCallHandler<Q, R> handler) {
    /**
     * Checks that both parts are set.
     *
     * @param descriptor the method's descriptor
     * @param handler the method's handler
     */
    public Method {
      Objects.requireNonNull(descriptor, "descriptor");
      Objects.requireNonNull(handler, "handler");
    }

    Method<Q, R> intercepted(List<? extends ServerInterceptor> interceptors) {
      return new Method<>(descriptor, ServerInterceptor.intercept(handler, interceptors));
    }
  }

  private final String name;
  private final Map<String, Method<?, ?>> methods;
  private final Object schemaDescriptor;

  private ServiceDefinition(String name, Map<String, Method<?, ?>> methods, Object schemaDescriptor) {
    this.name = name;
    this.methods = Collections.unmodifiableMap(methods);
    this.schemaDescriptor = schemaDescriptor;
  }

  /**
   * A builder of the service {@code serviceName} (its full protobuf name).
   *
   * @param serviceName the full service name, {@code package.Service}
   * @return a builder
   */
  public static Builder builder(String serviceName) {
    return new Builder(serviceName);
  }

  /** {@return the full service name, {@code package.Service}} */
  public String name() {
    return name;
  }

  /** {@return the methods, in the order they were added} */
  public Collection<Method<?, ?>> methods() {
    return methods.values();
  }

  /**
   * What describes the service's schema, or {@code null} for a service built without one. For
   * services generated from a {@code .proto} file it is the protobuf
   * {@code Descriptors.ServiceDescriptor}, which server reflection serves to tools. An
   * {@code Object} so that this API names no protobuf type.
   *
   * @return the schema descriptor, or {@code null}
   */
  public Object schemaDescriptor() {
    return schemaDescriptor;
  }

  /**
   * The method with this full name ({@code package.Service/Method}), or {@code null}.
   *
   * @param fullMethodName the full method name
   * @return the method, or {@code null}
   */
  public Method<?, ?> method(String fullMethodName) {
    return methods.get(fullMethodName);
  }

  /**
   * This service with every method wrapped by {@code interceptors} (the first sees calls first).
   *
   * @param interceptors the interceptors, outermost first
   * @return a new definition; this one is unchanged
   */
  public ServiceDefinition intercept(List<? extends ServerInterceptor> interceptors) {
    Map<String, Method<?, ?>> wrapped = new LinkedHashMap<>();
    for (Map.Entry<String, Method<?, ?>> e : methods.entrySet()) {
      wrapped.put(e.getKey(), e.getValue().intercepted(interceptors));
    }
    return new ServiceDefinition(name, wrapped, schemaDescriptor);
  }

  /**
   * This service with {@code interceptors} run before each call, the first one outermost.
   *
   * @param interceptors the interceptors, outermost first
   * @return a new definition; this one is unchanged
   */
  public ServiceDefinition intercept(ServerInterceptor... interceptors) {
    return intercept(List.of(interceptors));
  }

  /** Builds a {@link ServiceDefinition}. */
  public static final class Builder {
    private final String name;
    private final Map<String, Method<?, ?>> methods = new LinkedHashMap<>();
    private Object schemaDescriptor;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "serviceName");
    }

    /**
     * Adds a method; its name must be under this service.
     *
     * @param <Q> the request message type
     * @param <R> the response message type
     * @param descriptor the method's descriptor
     * @param handler the method's handler
     * @return this builder
     */
    public <Q, R> Builder method(MethodDescriptor<Q, R> descriptor, ServerCallHandler<Q, R> handler) {
      if (!descriptor.serviceName().equals(name)) {
        throw new IllegalArgumentException(
            "method " + descriptor.fullMethodName() + " is not in service " + name);
      }
      if (methods.putIfAbsent(descriptor.fullMethodName(), new Method<>(descriptor, handler)) != null) {
        throw new IllegalArgumentException("duplicate method " + descriptor.fullMethodName());
      }
      return this;
    }

    /**
     * Sets {@link ServiceDefinition#schemaDescriptor()}; generated code passes its service's.
     *
     * @param descriptor the schema descriptor
     * @return this builder
     */
    public Builder schemaDescriptor(Object descriptor) {
      this.schemaDescriptor = Objects.requireNonNull(descriptor, "descriptor");
      return this;
    }

    /** {@return the definition} */
    public ServiceDefinition build() {
      return new ServiceDefinition(name, new LinkedHashMap<>(methods), schemaDescriptor);
    }
  }

  @Override
  public String toString() {
    return "ServiceDefinition[" + name + ", " + new ArrayList<>(methods.keySet()) + "]";
  }
}
