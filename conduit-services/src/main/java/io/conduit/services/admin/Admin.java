package io.conduit.services.admin;

import io.conduit.Server;
import io.conduit.health.HealthStatusManager;
import io.conduit.services.channelz.Channelz;
import io.conduit.services.reflection.Reflection;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The services an operator's tools expect on every server, registered in one call: health
 * ({@code grpc.health.v1}), server reflection ({@code v1} and {@code v1alpha}), channelz
 * (the process's {@link Channelz}, which then counts this server's calls), and those of every
 * {@link AdminServiceProvider} on the module or class path (CSDS when {@code conduit-xds} is
 * there).
 *
 * <pre>{@code
 * Server.Builder builder = Server.builder().port(50051).service(new GreeterService());
 * HealthStatusManager health = Admin.addTo(builder);
 * Server server = builder.build().start();
 * }</pre>
 */
public final class Admin {
  private Admin() {}

  /**
   * Registers the admin services on {@code builder}, with a new health service, and returns it.
   *
   * @param builder the server builder to add the services to
   * @return the health service, to set the statuses of the server's services
   */
  public static HealthStatusManager addTo(Server.Builder builder) {
    HealthStatusManager health = new HealthStatusManager();
    addTo(builder, health);
    return health;
  }

  /**
   * Registers the admin services on {@code builder}, with {@code health} as the health service.
   *
   * @param builder the server builder to add the services to
   * @param health the health service to serve
   */
  public static void addTo(Server.Builder builder, HealthStatusManager health) {
    Objects.requireNonNull(builder, "builder")
        .service(Objects.requireNonNull(health, "health"))
        .service(Reflection.service())
        .service(Reflection.v1alphaService());
    Channelz.get().addTo(builder);
    for (AdminServiceProvider provider : ServiceLoader.load(AdminServiceProvider.class)) {
      builder.service(provider.service());
    }
  }
}
