package io.conduit.health;

import io.conduit.RpcService;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.stub.ServerCalls;
import io.conduit.stub.ServerStreamObserver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server's {@code grpc.health.v1.Health} service and the switch the application flips.
 *
 * <pre>{@code
 * HealthStatusManager health = new HealthStatusManager();      // "" (the whole server) is SERVING
 * Server server = Server.builder().service(health).service(new GreeterService()).build().start();
 * health.setStatus("helloworld.Greeter", HealthStatus.NOT_SERVING);   // e.g. while a cache warms
 * }</pre>
 *
 * <p>A server it is registered on turns every status NOT_SERVING when it starts shutting down, so
 * health-checking clients move away before connections close. {@link HealthClient} is the
 * client side.
 */
public final class HealthStatusManager implements RpcService {
  /** The name that stands for the server as a whole. */
  public static final String SERVER = "";

  private final Object lock = new Object();
  private final Map<String, HealthStatus> statuses = new HashMap<>();
  private final Map<String, List<ServerStreamObserver<Health.Response>>> watchers = new HashMap<>();
  private boolean terminal;

  /** A manager whose server as a whole (the empty service name) is SERVING. */
  public HealthStatusManager() {
    statuses.put(SERVER, HealthStatus.SERVING);
  }

  /**
   * Sets the status of {@code service} (or of {@link #SERVER}); watchers hear of the change.
   *
   * @param service the service's name
   * @param status its status
   */
  public void setStatus(String service, HealthStatus status) {
    if (status == HealthStatus.SERVICE_UNKNOWN) {
      throw new IllegalArgumentException("SERVICE_UNKNOWN is not settable; use clearStatus");
    }
    update(service, status);
  }

  /**
   * Forgets {@code service}: Check answers NOT_FOUND, Watch SERVICE_UNKNOWN.
   *
   * @param service the service's name
   */
  public void clearStatus(String service) {
    update(service, null);
  }

  /** Every service NOT_SERVING, for good: the server is going away. */
  public void enterTerminalState() {
    List<String> names;
    synchronized (lock) {
      names = List.copyOf(statuses.keySet());
    }
    for (String name : names) {
      update(name, HealthStatus.NOT_SERVING);
    }
    synchronized (lock) {
      terminal = true;
    }
  }

  /** The server this service is registered on is shutting down: {@link #enterTerminalState}. */
  @Override
  public void onServerShutdown() {
    enterTerminalState();
  }

  /**
   * The current status of {@code service}, or {@code null} if unknown.
   *
   * @param service the service's name
   * @return its status, or {@code null}
   */
  public HealthStatus status(String service) {
    synchronized (lock) {
      return statuses.get(service);
    }
  }

  private void update(String service, HealthStatus status) {
    List<ServerStreamObserver<Health.Response>> toNotify;
    synchronized (lock) {
      if (terminal) {
        return;
      }
      HealthStatus old = status == null ? statuses.remove(service) : statuses.put(service, status);
      if (old == status) {
        return;
      }
      toNotify = List.copyOf(watchers.getOrDefault(service, List.of()));
    }
    Health.Response response = new Health.Response(status == null ? HealthStatus.SERVICE_UNKNOWN : status);
    for (ServerStreamObserver<Health.Response> w : toNotify) {
      send(w, response);
    }
  }

  private static void send(ServerStreamObserver<Health.Response> watcher, Health.Response response) {
    // One watcher's observer is not thread-safe; updates to it are serialized here.
    synchronized (watcher) {
      if (!watcher.isCancelled()) {
        try {
          watcher.onNext(response);
        } catch (io.conduit.StatusException e) {
          // Cancelled meanwhile.
        }
      }
    }
  }

  @Override
  public ServiceDefinition definition() {
    return ServiceDefinition.builder(Health.SERVICE_NAME)
        .method(Health.CHECK, ServerCalls.unary((req, out) -> {
          HealthStatus status = status(req.service());
          if (status == null) {
            out.onError(Status.NOT_FOUND.withDescription("unknown service " + req.service()).asException());
            return;
          }
          out.onNext(new Health.Response(status));
          out.onCompleted();
        }))
        .method(Health.WATCH, ServerCalls.serverStreaming((req, out) -> {
          String service = req.service();
          out.setOnCancelHandler(() -> {
            synchronized (lock) {
              List<ServerStreamObserver<Health.Response>> list = watchers.get(service);
              if (list != null) {
                list.remove(out);
                if (list.isEmpty()) {
                  watchers.remove(service);
                }
              }
            }
          });
          Health.Response first;
          synchronized (lock) {
            HealthStatus current = statuses.get(service);
            first = new Health.Response(current == null ? HealthStatus.SERVICE_UNKNOWN : current);
            watchers.computeIfAbsent(service, k -> new CopyOnWriteArrayList<>()).add(out);
            // Sent under the lock, so no update can overtake the first answer.
            send(out, first);
          }
        }))
        .build();
  }
}
