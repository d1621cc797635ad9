package io.conduit.testing;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ChannelTracer;
import io.conduit.ClientCallTracer;
import io.conduit.Configurator;
import io.conduit.Configurators;
import io.conduit.MethodDescriptor;
import io.conduit.RpcService;
import io.conduit.Server;
import io.conduit.ServerCallTracer;
import io.conduit.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension for tests of gRPC services and clients: it starts servers (in-process by
 * default, on a loopback port when asked), hands out channels to them, and after each test shuts
 * everything down. It fails the test if the test left something behind: a call still open, a
 * channel or server it built and never closed, a Netty buffer never released, or a thread of a
 * channel or server still running.
 *
 * <pre>{@code
 * class GreeterTest {
 *   @RegisterExtension
 *   final ConduitExtension conduit = ConduitExtension.create();
 *
 *   @Test
 *   void greets() {
 *     Server server = conduit.server(new GreeterService());
 *     GreeterRpc.BlockingClient client = GreeterRpc.newBlockingClient(conduit.channel(server));
 *     assertEquals("Hello you", client.sayHello(HelloRequest.newBuilder().setName("you").build())
 *         .getMessage());
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #withFakeClock()} runs the servers and channels it builds on a {@link FakeClock}, so
 * that a test moves time on to see deadlines, retries and keepalives act, instead of sleeping.
 *
 * <p>What the test builds itself is watched too (through a global {@link Configurator}, for the
 * duration of the test): a channel or server the test leaves open fails it, and is closed. Tests
 * that use this extension must not run in parallel with each other in one JVM.
 */
public final class ConduitExtension implements BeforeEachCallback, AfterEachCallback {
  /** How long what is closed at the end of a test may take to finish; only a hang takes it. */
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicLong NAMES = new AtomicLong();

  private final boolean useFakeClock;
  private Watch watch;

  private ConduitExtension(boolean useFakeClock) {
    this.useFakeClock = useFakeClock;
  }

  /** {@return an extension whose servers and channels run on the system clock} */
  public static ConduitExtension create() {
    return new ConduitExtension(false);
  }

  /**
   * {@return an extension whose servers and channels run on a {@link FakeClock}, new for each test}
   */
  public ConduitExtension withFakeClock() {
    return new ConduitExtension(true);
  }

  /**
   * The clock of this test's servers and channels.
   *
   * @return the fake clock of this test
   * @throws IllegalStateException unless built {@link #withFakeClock()}
   */
  public FakeClock clock() {
    if (!useFakeClock) {
      throw new IllegalStateException("built without withFakeClock()");
    }
    return state().clock;
  }

  /**
   * Starts an in-process server with {@code services}; the extension closes it.
   *
   * @param services the services the server serves
   * @return the started server
   */
  public Server server(RpcService... services) {
    return server(b -> {
      for (RpcService s : services) {
        b.service(s);
      }
    });
  }

  /**
   * Starts an in-process server configured by {@code configure} (services, interceptors,
   * limits); the extension closes it. Its calls are serialized like over the network.
   *
   * @param configure configures the server's builder
   * @return the started server
   */
  public Server server(Consumer<Server.Builder> configure) {
    String name = "conduit-test-" + NAMES.incrementAndGet();
    return start(Server.builder().inProcess(name), configure, "inprocess:" + name);
  }

  /**
   * Starts a server on {@code 127.0.0.1} and a free port, over real HTTP/2 (for what only a
   * network shows: TLS, keepalive, flow control); the extension closes it.
   *
   * @param configure configures the server's builder
   * @return the started server
   */
  public Server loopbackServer(Consumer<Server.Builder> configure) {
    return start(Server.builder().bind("127.0.0.1", 0), configure, null);
  }

  private Server start(Server.Builder builder, Consumer<Server.Builder> configure, String target) {
    Watch w = state();
    if (w.clock != null) {
      builder.clock(w.clock);
    }
    configure.accept(builder);
    Server server = builder.build();
    w.own(server);
    server.start();
    w.targets.put(server, target != null ? target : "127.0.0.1:" + server.port());
    return server;
  }

  /**
   * A channel to {@code server} (one this extension started); the extension closes it.
   *
   * @param server a server this extension started
   * @return a channel to {@code server}
   */
  public Channel channel(Server server) {
    return channel(server, b -> {});
  }

  /**
   * A channel to {@code server}, configured by {@code configure}; the extension closes it.
   *
   * @param server a server this extension started
   * @param configure configures the channel's builder
   * @return a channel to {@code server}
   */
  public Channel channel(Server server, Consumer<Channel.Builder> configure) {
    String target = state().targets.get(server);
    if (target == null) {
      throw new IllegalArgumentException("not a server of this extension: " + server);
    }
    return channel(target, configure);
  }

  /**
   * A channel to {@code target}, configured by {@code configure}; the extension closes it.
   *
   * @param target the channel's target, e.g. {@code inprocess:name} or {@code 127.0.0.1:50051}
   * @param configure configures the channel's builder
   * @return a channel to {@code target}
   */
  public Channel channel(String target, Consumer<Channel.Builder> configure) {
    Watch w = state();
    Channel.Builder builder = Channel.builder(target);
    if (w.clock != null) {
      builder.clock(w.clock);
    }
    configure.accept(builder);
    Channel channel = builder.build();
    w.own(channel);
    return channel;
  }

  /**
   * Hands {@code resource} to the extension, which closes it after the test (a channel or
   * server the test built itself, for instance), so that it does not count as left open.
   *
   * @param <T> the resource's type
   * @param resource the resource to close after the test
   * @return {@code resource}
   */
  public <T extends AutoCloseable> T register(T resource) {
    state().own(Objects.requireNonNull(resource, "resource"));
    return resource;
  }

  private Watch state() {
    if (watch == null) {
      throw new IllegalStateException("no test is running: register the extension with "
          + "@RegisterExtension on an instance field");
    }
    return watch;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    NettyLeaks.install();
    // Leaks of earlier tests are theirs, not this one's.
    NettyLeaks.drain();
    watch = new Watch(useFakeClock ? new FakeClock() : null);
    watch.registration = Configurators.registerGlobal(watch);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Watch w = watch;
    watch = null;
    List<String> problems;
    try {
      problems = w.finish();
    } finally {
      w.registration.close();
    }
    List<String> leaks = NettyLeaks.collectAndDrain();
    if (!leaks.isEmpty()) {
      problems.add(leaks.size() + " Netty buffer(s) never released:\n" + String.join("\n\n", leaks));
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("the test left things behind:\n- " + String.join("\n- ", problems));
    }
  }

  /**
   * One test's watch: every channel and server built while it runs (through a global
   * configurator), their open calls, and what the test handed to the extension.
   */
  private static final class Watch implements Configurator {
    final FakeClock clock;
    Configurators.Registration registration;
    final Map<Server, String> targets = new IdentityHashMap<>();
    private final Object lock = new Object();
    private final List<Channel> channels = new ArrayList<>();
    private final List<Server> servers = new ArrayList<>();
    private final Set<Object> owned = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<AutoCloseable> others = new ArrayList<>();
    private final Set<OpenCall> openCalls = new LinkedHashSet<>();
    private final Set<Thread> threadsBefore;

    Watch(FakeClock clock) {
      this.clock = clock;
      this.threadsBefore = Thread.getAllStackTraces().keySet();
    }

    void own(AutoCloseable resource) {
      synchronized (lock) {
        owned.add(resource);
        if (!(resource instanceof Channel) && !(resource instanceof Server)) {
          others.add(resource);
        }
      }
    }

    @Override
    public void configure(Channel.Builder builder) {
      builder.tracer(target -> new ChannelTracer() {
        @Override
        public ClientCallTracer newCallTracer(MethodDescriptor<?, ?> method, CallOptions options) {
          OpenCall call = opened("client call " + method.fullMethodName() + " to " + target);
          return new ClientCallTracer() {
            @Override
            public Attempt newAttempt(AttemptInfo info) {
              return new Attempt() {};
            }

            @Override
            public void callEnded(Status status) {
              ended(call);
            }
          };
        }
      });
    }

    @Override
    public void configure(Server.Builder builder) {
      builder.tracer(info -> {
        OpenCall call = opened("server call " + info.fullMethodName());
        return new ServerCallTracer() {
          @Override
          public void callEnded(Status status) {
            ended(call);
          }
        };
      });
    }

    @Override
    public void built(Channel channel) {
      synchronized (lock) {
        channels.add(channel);
      }
    }

    @Override
    public void built(Server server) {
      synchronized (lock) {
        servers.add(server);
      }
    }

    private OpenCall opened(String description) {
      OpenCall call = new OpenCall(description);
      synchronized (lock) {
        openCalls.add(call);
      }
      return call;
    }

    private void ended(OpenCall call) {
      synchronized (lock) {
        openCalls.remove(call);
        lock.notifyAll();
      }
    }

    /** Checks what the test left, closes everything, and returns what was wrong. */
    List<String> finish() throws InterruptedException {
      List<String> problems = new ArrayList<>();
      // A call the test cancelled ends on the server a moment later: give it that moment.
      List<OpenCall> stillOpen = awaitCallsEnded();
      for (OpenCall c : stillOpen) {
        problems.add(c.description + " still open: finish it, or cancel it and wait for its end");
      }
      List<Channel> allChannels;
      List<Server> allServers;
      Set<Object> ours;
      synchronized (lock) {
        allChannels = new ArrayList<>(channels);
        allServers = new ArrayList<>(servers);
        ours = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        ours.addAll(owned);
      }
      for (Channel ch : allChannels) {
        if (!ours.contains(ch) && !ch.isShutdown()) {
          problems.add("channel " + ch + " was never closed: close it, or make it with "
              + "channel(...) or hand it to register(...)");
        }
      }
      for (Server s : allServers) {
        if (!ours.contains(s) && !s.isShutdown() && started(s)) {
          problems.add("server " + s + " was never closed: close it, or start it with "
              + "server(...) or hand it to register(...)");
        }
      }
      for (AutoCloseable other : others) {
        try {
          other.close();
        } catch (Exception e) {
          problems.add("closing " + other + " failed: " + e);
        }
      }
      allChannels.forEach(Channel::shutdownNow);
      allServers.forEach(Server::shutdownNow);
      for (Channel ch : allChannels) {
        if (!ch.awaitTermination(WAIT)) {
          problems.add("channel " + ch + " did not terminate within " + WAIT);
        }
      }
      for (Server s : allServers) {
        if (started(s) && !s.awaitTermination(WAIT)) {
          problems.add("server " + s + " did not terminate within " + WAIT
              + " (a handler that does not return?)");
        }
      }
      problems.addAll(threadsStillRunning());
      return problems;
    }

    private List<OpenCall> awaitCallsEnded() throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      synchronized (lock) {
        while (!openCalls.isEmpty()) {
          long left = end - System.nanoTime();
          if (left <= 0) {
            break;
          }
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
        return new ArrayList<>(openCalls);
      }
    }

    /** Threads of the executors channels and servers own, started during the test. */
    private List<String> threadsStillRunning() throws InterruptedException {
      List<String> problems = new ArrayList<>();
      long end = System.nanoTime() + WAIT.toNanos();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (threadsBefore.contains(t) || !isOwnedByAChannelOrServer(t)) {
          continue;
        }
        // Pool threads end once their executor is shut down and they are idle.
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
        if (t.isAlive()) {
          StringBuilder where = new StringBuilder();
          for (StackTraceElement e : t.getStackTrace()) {
            where.append("\n    at ").append(e);
          }
          problems.add("thread " + t.getName() + " still running:" + where);
        }
      }
      return problems;
    }

    private static boolean isOwnedByAChannelOrServer(Thread t) {
      String name = t.getName();
      return name.startsWith("conduit-callback-") || name.startsWith("conduit-handler-");
    }

    private static boolean started(Server server) {
      try {
        server.localAddress();
        return true;
      } catch (IllegalStateException notStarted) {
        return false;
      }
    }
  }

  /** A call that has started and not yet ended. */
  private static final class OpenCall {
    final String description;

    OpenCall(String description) {
      this.description = description;
    }
  }
}
