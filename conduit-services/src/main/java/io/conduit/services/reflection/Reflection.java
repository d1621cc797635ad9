package io.conduit.services.reflection;

import io.conduit.RpcService;
import io.conduit.services.internal.reflection.ReflectionService;

/**
 * Server reflection, which lets tools such as grpcurl, Postman and the {@code conduit} command
 * list a server's services and fetch their {@code .proto} definitions:
 *
 * <pre>{@code
 * Server server = Server.builder()
 *     .service(new GreeterService())
 *     .service(Reflection.service())
 *     .build();
 * }</pre>
 *
 * <p>It lists exactly the server's services, itself included. The files of generated services
 * (and of the standard health, reflection and channelz services) are served with every file they
 * import; services built by hand without a schema descriptor are listed, and their files are not
 * found. Each server needs a service object of its own.
 */
public final class Reflection {
  private Reflection() {}

  /**
   * {@code grpc.reflection.v1.ServerReflection}, the current protocol.
   *
   * @return the reflection service, to register on a server
   */
  public static RpcService service() {
    return new ReflectionService(ReflectionService.V1);
  }

  /**
   * {@code grpc.reflection.v1alpha.ServerReflection}, the same protocol under its older name, for
   * clients that know only that one. Register it beside {@link #service()}.
   *
   * @return the reflection service under its {@code v1alpha} name
   */
  public static RpcService v1alphaService() {
    return new ReflectionService(ReflectionService.V1ALPHA);
  }
}
