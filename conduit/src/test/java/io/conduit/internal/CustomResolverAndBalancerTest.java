package io.conduit.internal;

import static io.conduit.internal.ChannelTesting.await;
import static io.conduit.internal.ChannelTesting.statusOf;
import static io.conduit.internal.ChannelTesting.who;
import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ConnectivityState;
import io.conduit.Status;
import io.conduit.balancer.LoadBalancer;
import io.conduit.balancer.Subchannel;
import io.conduit.resolver.NameResolver;
import io.conduit.stub.ClientCalls;
import io.conduit.testing.CapturedLog;
import io.conduit.testing.FakeClock;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 4, check 4: resolvers and balancers plugged in on the builder; address updates keep
 * unchanged connections and drain removed ones.
 */
@Timeout(30)
class CustomResolverAndBalancerTest {
  static final Duration WAIT = Duration.ofSeconds(5);

  /** A resolver the test drives: it reports what the test pushes. */
  static final class TestResolver extends NameResolver {
    final Args args;
    final URI target;
    final AtomicInteger refreshes = new AtomicInteger();
    volatile Listener listener;
    volatile boolean shutdown;

    TestResolver(URI target, Args args) {
      this.target = target;
      this.args = args;
    }

    @Override
    public void start(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void refresh() {
      refreshes.incrementAndGet();
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    void push(SocketAddress... addresses) {
      push(NameResolver.Result.of(List.of(addresses)));
    }

    /** Reports {@code result} and returns once the channel has taken it. */
    void push(NameResolver.Result result) {
      java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1);
      args.syncContext().execute(() -> {
        listener.onResult(result);
        taken.countDown();
      });
      try {
        if (!taken.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
          throw new AssertionError("the channel did not take " + result);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    void fail(Status error) {
      args.syncContext().execute(() -> listener.onError(error));
    }
  }

  static final class TestResolverProvider implements NameResolver.Provider {
    final List<TestResolver> resolvers = new CopyOnWriteArrayList<>();

    @Override
    public String scheme() {
      return "test";
    }

    @Override
    public NameResolver newResolver(URI target, NameResolver.Args args) {
      if (target.getSchemeSpecificPart().contains("bad")) {
        throw new IllegalArgumentException("test resolver refuses " + target);
      }
      TestResolver r = new TestResolver(target, args);
      resolvers.add(r);
      return r;
    }

    /** The started resolver, once the channel has one. */
    TestResolver started() throws InterruptedException {
      await("a started resolver", WAIT,
          () -> resolvers.stream().anyMatch(r -> r.listener != null && !r.shutdown));
      return resolvers.stream().filter(r -> r.listener != null && !r.shutdown).findFirst().orElseThrow();
    }
  }

  TestResolverProvider provider;
  /** The channels' clock: resolution retries, idle timeouts and deadlines wait for it. */
  FakeClock clock;
  Backend a;
  Backend b;
  Backend c;

  @BeforeEach
  void start() {
    provider = new TestResolverProvider();
    clock = new FakeClock();
    a = Backend.start("a", "127.0.0.1", 0);
    b = Backend.start("b", "127.0.0.2", 0);
    c = Backend.start("c", "127.0.0.3", 0);
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    c.close();
  }

  Channel.Builder builder() {
    return Channel.builder("test:service").nameResolver(provider).clock(clock);
  }

  @Test
  void roundRobinAddressUpdateDrainsRemovedAndKeepsUnchanged() throws Exception {
    try (Channel channel = builder().loadBalancingPolicy("round_robin").build()) {
      assertThat(channel.state(true)).isEqualTo(ConnectivityState.IDLE);
      TestResolver resolver = provider.started();
      resolver.push(a.address(), b.address());
      await("a and b connected", WAIT, () -> a.openConnections() == 1 && b.openConnections() == 1);
      ChannelTesting.Tally first = ChannelTesting.run(channel, 40, 4);
      assertThat(first.snapshot()).containsOnlyKeys("a", "b");

      // Two slow calls: round_robin puts one on each backend; the one on a is in flight while a
      // leaves the list.
      int aBefore = a.calls.get();
      List<CompletableFuture<String>> slow = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        slow.add(ClientCalls.futureUnary(channel, Backend.WHO,
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), "hold"));
      }
      await("a slow call on a", WAIT, () -> a.calls.get() > aBefore && a.held.get() == 1);
      resolver.push(b.address(), c.address());
      await("c connected", WAIT, () -> c.openConnections() == 1);
      assertThat(slow.get(0).isDone() || slow.get(1).isDone()).as("slow calls still running").isFalse();
      assertThat(a.openConnections()).as("a's connection drains").isEqualTo(1);
      ChannelTesting.Tally after = ChannelTesting.run(channel, 40, 4);
      assertThat(after.failed()).isZero();
      assertThat(after.snapshot()).containsOnlyKeys("b", "c");
      // The call in flight on a finishes; then a's connection closes.
      a.releaseHeld();
      b.releaseHeld();
      assertThat(List.of(slow.get(0).get(5, TimeUnit.SECONDS), slow.get(1).get(5, TimeUnit.SECONDS)))
          .containsExactlyInAnyOrder("a", "b");
      await("a's connection closed", WAIT, () -> a.openConnections() == 0);
      // b kept its one connection all along.
      assertThat(b.clients).hasSize(1);
      assertThat(b.openConnections()).isEqualTo(1);
    }
  }

  /** A resolver may hand out in-process addresses, even beside network ones. */
  @Test
  void resolversCanReturnInProcessAddresses() throws Exception {
    Backend local = Backend.start("local",
        new io.conduit.InProcessSocketAddress("resolver-test-" + System.nanoTime()));
    try (Channel channel = builder().loadBalancingPolicy("round_robin").build()) {
      channel.state(true);
      provider.started().push(local.address(), a.address());
      java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
      await("calls on both backends", WAIT, () -> {
        seen.add(who(channel));
        return seen.containsAll(List.of("local", "a"));
      });
      assertThat(local.clients).allMatch(c -> c instanceof io.conduit.InProcessSocketAddress);
    } finally {
      local.close();
    }
  }

  @Test
  void pickFirstKeepsItsBackendWhileListed() throws Exception {
    try (Channel channel = builder().build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      resolver.push(a.address(), b.address());
      assertThat(who(channel)).isEqualTo("a");
      // a is still in the list, though no longer first: pick_first stays on it.
      resolver.push(c.address(), a.address());
      assertThat(ChannelTesting.run(channel, 20, 2).snapshot()).containsOnlyKeys("a");
      assertThat(a.clients).hasSize(1);
      assertThat(c.openConnections()).isZero();
      // a leaves: calls move to c and a's connection closes.
      resolver.push(c.address());
      await("calls on c", WAIT, () -> "c".equals(who(channel)));
      await("a's connection closed", WAIT, () -> a.openConnections() == 0);
      assertThat(b.openConnections()).isZero();
    }
  }

  @Test
  void resolverErrorsAndEmptyListsFailCallsUntilAddressesCome() throws Exception {
    try (Channel channel = builder().build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      resolver.fail(Status.UNAVAILABLE.withDescription("registry down"));
      await("TRANSIENT_FAILURE", WAIT, () -> channel.state(false) == ConnectivityState.TRANSIENT_FAILURE);
      Status s = statusOf(ClientCalls.futureUnary(channel, Backend.WHO, CallOptions.DEFAULT, "x"));
      assertThat(s.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(s.description()).contains("registry down");
      // A wait-for-ready call waits for addresses.
      CompletableFuture<String> waiting = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(10)), "x");
      // The channel asks the resolver to try again, after the backoff.
      clock.advance(ChannelConnectivityTest.awaitTimerSooner(clock, Duration.ofMinutes(1)));
      await("refresh after the error", WAIT, () -> resolver.refreshes.get() > 0);
      resolver.push(NameResolver.Result.of(List.of()));
      s = statusOf(ClientCalls.futureUnary(channel, Backend.WHO, CallOptions.DEFAULT, "x"));
      assertThat(s.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(waiting).isNotDone();
      resolver.push(b.address());
      assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo("b");
      assertThat(who(channel)).isEqualTo("b");
    }
  }

  @Test
  void serviceConfigFromTheResolverChoosesThePolicy() throws Exception {
    try (Channel channel = builder().build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      resolver.push(new NameResolver.Result(List.of(a.address(), b.address(), c.address()),
          "{\"loadBalancingConfig\":[{\"round_robin\":{}}]}"));
      await("all connected", WAIT,
          () -> a.openConnections() + b.openConnections() + c.openConnections() == 3);
      ChannelTesting.Tally tally = ChannelTesting.run(channel, 90, 3);
      assertThat(tally.snapshot()).containsOnlyKeys("a", "b", "c");
      // Back to the default policy when the resolver's config no longer names one.
      resolver.push(new NameResolver.Result(List.of(a.address(), b.address(), c.address()), "{}"));
      await("pick_first: one connection", WAIT,
          () -> a.openConnections() + b.openConnections() + c.openConnections() == 1);
      assertThat(ChannelTesting.run(channel, 30, 3).snapshot()).hasSize(1);
    }
  }

  /** Gives test.Backend calls a 300 ms timeout. */
  static final String TIMEOUT_CONFIG = "{\"methodConfig\":[{\"name\":[{\"service\":"
      + "\"test.Backend\"}],\"timeout\":\"0.3s\"}]}";

  /**
   * How a call that takes 800 ms on the clock ends: OK, or DEADLINE_EXCEEDED under
   * {@link #TIMEOUT_CONFIG}. The server holds it while the clock moves on, then answers.
   */
  Status.Code slowCall(Channel channel) {
    CompletableFuture<String> call = ClientCalls.futureUnary(channel, Backend.WHO,
        CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
    try {
      await("the call on a server", WAIT, () -> a.held.get() + b.held.get() + c.held.get() == 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    clock.advance(Duration.ofMillis(800));
    for (Backend backend : List.of(a, b, c)) {
      backend.releaseHeld();
    }
    return statusOf(call).code();
  }

  /** A selector by request header: tenant=slow gets the 300 ms timeout, tenant=broken fails. */
  static final io.conduit.resolver.CallConfigSelector BY_TENANT = new io.conduit.resolver
      .CallConfigSelector() {
    private final io.conduit.resolver.CallConfig slow = new io.conduit.resolver.CallConfig(
        Map.of("timeout", "0.3s"), null, null);
    private final io.conduit.resolver.CallConfig broken = new io.conduit.resolver.CallConfig(
        Map.of(), Status.UNAVAILABLE.withDescription("fault injected"), null);

    @Override
    public io.conduit.resolver.CallConfig select(io.conduit.MethodDescriptor<?, ?> method,
        io.conduit.Metadata headers) {
      String tenant = headers.get("tenant");
      return "slow".equals(tenant) ? slow : "broken".equals(tenant) ? broken
          : io.conduit.resolver.CallConfig.DEFAULT;
    }
  };

  private static io.conduit.CallFactory tenant(Channel channel, String name) {
    return io.conduit.ClientInterceptor.intercept(channel, List.of(
        io.conduit.ClientInterceptor.attachHeaders(new io.conduit.Metadata().add("tenant", name))));
  }

  @Test
  void theResolversSelectorChoosesEachCallsConfigFromItsHeaders() throws Exception {
    try (Channel channel = builder().build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      // The selector replaces the service config's methodConfig: TIMEOUT_CONFIG is not used.
      resolver.push(new NameResolver.Result(List.of(a.address()), TIMEOUT_CONFIG, null,
          BY_TENANT));
      Status broken = statusOf(ClientCalls.futureUnary(tenant(channel, "broken"), Backend.WHO,
          CallOptions.DEFAULT, "x"));
      assertThat(broken.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(broken.description()).isEqualTo("fault injected");
      assertThat(a.held.get()).isZero();

      CompletableFuture<String> slow = ClientCalls.futureUnary(tenant(channel, "slow"),
          Backend.WHO, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
      CompletableFuture<String> plain = ClientCalls.futureUnary(tenant(channel, "plain"),
          Backend.WHO, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
      await("both calls on a", WAIT, () -> a.held.get() == 2);
      clock.advance(Duration.ofMillis(300));
      assertThat(statusOf(slow).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(plain).isNotDone();
      a.releaseHeld();
      assertThat(plain.get(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();

      // A result without a selector brings the service config's methodConfig back.
      resolver.push(new NameResolver.Result(List.of(a.address()), TIMEOUT_CONFIG));
      assertThat(slowCall(channel)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void aSelectorsDelayHoldsTheCallOnTheClock() throws Exception {
    io.conduit.resolver.CallConfig held = new io.conduit.resolver.CallConfig(Map.of(), null,
        Duration.ofMillis(500));
    try (Channel channel = builder().build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      resolver.push(new NameResolver.Result(List.of(a.address()), null, null,
          (method, headers) -> held));
      CompletableFuture<String> call = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
      await("the delay timer", WAIT, () -> clock.pendingDelays().contains(Duration.ofMillis(500)));
      assertThat(a.held.get()).isZero();
      clock.advance(Duration.ofMillis(500));
      await("the call on a", WAIT, () -> a.held.get() == 1);
      a.releaseHeld();
      assertThat(call.get(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
    }
  }

  @Test
  void callsMadeBeforeTheFirstResultGetItsConfig() throws Exception {
    try (Channel channel = builder().build()) {
      // Made before the first result, so it waits for it (the channel decides at newCall).
      CompletableFuture<String> early = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
      TestResolver resolver = provider.started();
      resolver.push(new NameResolver.Result(List.of(a.address()), TIMEOUT_CONFIG));
      await("the call on a", WAIT, () -> a.held.get() == 1);
      clock.advance(Duration.ofMillis(299));
      assertThat(early).isNotDone();
      clock.advance(Duration.ofMillis(1));
      assertThat(statusOf(early).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void callsWaitingForTheFirstResultKeepTheirDeadline() throws Exception {
    try (Channel channel = builder().build()) {
      CompletableFuture<String> call = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withDeadline(io.conduit.Deadline.after(Duration.ofMillis(200), clock)), "x");
      await("the deadline timer", WAIT, () -> clock.pendingDelays().contains(Duration.ofMillis(200)));
      clock.advance(Duration.ofMillis(200));
      Status s = statusOf(call);
      assertThat(s.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(s.description()).contains("name resolver");
    }
  }

  @Test
  void callsWaitingForTheFirstResultFailWhenTheChannelShutsDown() throws Exception {
    Channel channel = builder().build();
    CompletableFuture<String> waiting = ClientCalls.futureUnary(channel, Backend.WHO,
        CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)), "x");
    provider.started();
    channel.shutdownNow();
    Status s = statusOf(waiting);
    assertThat(s.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(s.description()).contains("shut down");
    assertThat(channel.awaitTermination(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void invalidConfigFromTheResolverKeepsThePreviousOne() throws Exception {
    try (CapturedLog log = CapturedLog.of(ChannelImpl.class);
        Channel channel = builder().loadBalancingPolicy("round_robin").build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      resolver.push(new NameResolver.Result(List.of(a.address()), TIMEOUT_CONFIG));
      assertThat(slowCall(channel)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);

      // The addresses of a result with an invalid config count; the config does not.
      resolver.push(new NameResolver.Result(List.of(a.address(), b.address()), "{\"methodConfig\":"));
      await("b connected", WAIT, () -> b.openConnections() == 1);
      assertThat(slowCall(channel)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      resolver.push(NameResolver.Result.withServiceConfigError(
          List.of(a.address(), b.address(), c.address()),
          Status.UNAVAILABLE.withDescription("unreadable TXT record")));
      await("c connected", WAIT, () -> c.openConnections() == 1);
      assertThat(slowCall(channel)).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(log.messages(Level.WARNING)).anySatisfy(m -> assertThat(m)
          .contains("invalid service config").contains("previous config stays"));
      assertThat(log.messages(Level.WARNING))
          .anySatisfy(m -> assertThat(m).contains("unreadable TXT record"));

      // No config at all: the default (none here) applies.
      resolver.push(NameResolver.Result.of(List.of(a.address())));
      await("the timeout gone", WAIT, () -> slowCall(channel) == Status.Code.OK);
    }
  }

  @Test
  void invalidFirstConfigWithoutDefaultFailsCallsUntilAValidOne() throws Exception {
    try (Channel channel = builder().build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      resolver.push(new NameResolver.Result(List.of(a.address()),
          "{\"loadBalancingConfig\":[{\"no_such_policy\":{}}]}"));
      Status s = statusOf(ClientCalls.futureUnary(channel, Backend.WHO, CallOptions.DEFAULT, "x"));
      assertThat(s.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(s.description()).contains("invalid service config").contains("no_such_policy");
      assertThat(channel.state(false)).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
      assertThat(a.calls.get()).isZero();
      CompletableFuture<String> waiting = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(10)), "x");
      // Treated as a failed resolution: the channel asks again, after the backoff.
      clock.advance(ChannelConnectivityTest.awaitTimerSooner(clock, Duration.ofMinutes(1)));
      await("retry after the invalid config", WAIT, () -> resolver.refreshes.get() > 0);
      resolver.push(new NameResolver.Result(List.of(a.address()), "{}"));
      assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo("a");
    }
  }

  @Test
  void failedResolutionsAreRetriedWithGrowingBackoffThatResetsOnSuccess() throws Exception {
    try (Channel channel = builder().reconnectBackoff(Duration.ofMillis(150), 3, 0,
        Duration.ofSeconds(30), Duration.ofSeconds(20)).build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      long[] delays = new long[3];
      for (int i = 0; i < delays.length; i++) {
        delays[i] = millisToRetry(resolver);
      }
      // 150 ms, 450 ms, 1350 ms (no jitter): the retries are the channel's, not the resolver's.
      assertThat(delays).containsExactly(150, 450, 1350);
      resolver.push(a.address());
      // Reset: 150 ms again, not 4050.
      assertThat(millisToRetry(resolver)).isEqualTo(150);
    }
  }

  /**
   * Fails a resolution and measures how long the channel's clock must move before the channel
   * asks the resolver again: no retry a millisecond sooner, one right then.
   */
  long millisToRetry(TestResolver resolver) throws InterruptedException {
    int before = resolver.refreshes.get();
    resolver.fail(Status.UNAVAILABLE.withDescription("registry down"));
    Duration delay = ChannelConnectivityTest.awaitTimerSooner(clock, Duration.ofSeconds(10));
    clock.advance(delay.minusMillis(1));
    assertThat(resolver.refreshes.get()).isEqualTo(before);
    clock.advance(Duration.ofMillis(1));
    await("a retry", WAIT, () -> resolver.refreshes.get() > before);
    return delay.toMillis();
  }

  @Test
  void lostConnectionAsksTheResolverToRefresh() throws Exception {
    try (Channel channel = builder().build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      resolver.push(a.address());
      assertThat(who(channel)).isEqualTo("a");
      int before = resolver.refreshes.get();
      a.kill();
      await("refresh", WAIT, () -> resolver.refreshes.get() > before);
    }
  }

  @Test
  void goAwayAsksTheResolverToRefresh() throws Exception {
    try (Channel channel = builder().build()) {
      channel.state(true);
      TestResolver resolver = provider.started();
      resolver.push(a.address(), b.address());
      assertThat(who(channel)).isEqualTo("a");
      CompletableFuture<String> slow = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "hold");
      await("slow call on a", WAIT, () -> a.calls.get() == 2 && a.held.get() == 1);
      int before = resolver.refreshes.get();
      // A graceful shutdown: GOAWAY, then the call in flight finishes.
      a.server().shutdown();
      await("refresh", WAIT, () -> resolver.refreshes.get() > before);
      assertThat(slow.isDone()).isFalse();
      assertThat(who(channel)).isEqualTo("b");
      a.releaseHeld();
      assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("a");
    }
  }

  @Test
  void idleShutsTheResolverDownAndTheNextCallStartsANewOne() throws Exception {
    try (Channel channel = builder().idleTimeout(Duration.ofMillis(100)).build()) {
      channel.state(true);
      TestResolver first = provider.started();
      first.push(a.address());
      assertThat(who(channel)).isEqualTo("a");
      assertThat(ChannelConnectivityTest.awaitTimerSooner(clock, Duration.ofSeconds(1)))
          .isEqualTo(Duration.ofMillis(100));
      clock.advance(Duration.ofMillis(100));
      await("idle", WAIT, () -> channel.state(false) == ConnectivityState.IDLE);
      assertThat(first.shutdown).isTrue();
      CompletableFuture<String> call = ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)), "who");
      TestResolver second = provider.started();
      assertThat(second).isNotSameAs(first);
      second.push(b.address());
      assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("b");
    }
  }

  @Test
  void providerErrorsFailBuild() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> Channel.builder("test:bad").nameResolver(provider).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("test resolver refuses");
  }

  // ---------------------------------------------------------------- a custom balancer

  /** Sends every call to the address at {@code index} (from its config) and records what it sees. */
  static final class PinProvider implements LoadBalancer.Provider {
    final List<Map<String, ?>> configs = new CopyOnWriteArrayList<>();
    final List<ConnectivityState> states = new CopyOnWriteArrayList<>();
    final List<String> methods = new CopyOnWriteArrayList<>();

    @Override
    public String policyName() {
      return "test_pin";
    }

    @Override
    public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
      return new LoadBalancer() {
        final List<Subchannel> subchannels = new ArrayList<>();

        @Override
        public void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> config) {
          configs.add(config);
          subchannels.forEach(Subchannel::shutdown);
          subchannels.clear();
          Object index = config.get("index");
          int i = index == null ? 0 : ((Number) index).intValue();
          Subchannel sc = helper.createSubchannel(addresses.get(i));
          subchannels.add(sc);
          sc.start((state, failure) -> {
            states.add(state);
            if (state == ConnectivityState.READY) {
              helper.updateState(ConnectivityState.READY, args -> {
                methods.add(args.method().fullMethodName());
                return PickResult.withSubchannel(sc);
              });
            } else if (state == ConnectivityState.TRANSIENT_FAILURE) {
              helper.updateState(state, args -> PickResult.withError(failure));
            } else if (state == ConnectivityState.IDLE) {
              sc.requestConnection();
            }
          });
          helper.updateState(ConnectivityState.CONNECTING, args -> PickResult.withNoResult());
          sc.requestConnection();
        }

        @Override
        public void handleResolutionError(Status error) {
          helper.updateState(ConnectivityState.TRANSIENT_FAILURE, args -> PickResult.withError(error));
        }

        @Override
        public void shutdown() {
          subchannels.forEach(Subchannel::shutdown);
        }
      };
    }
  }

  @Test
  void customBalancerFromServiceConfig() throws Exception {
    PinProvider pin = new PinProvider();
    try (Channel channel = Channel.builder("ipv4:" + a.hostPort() + "," + b.hostPort() + "," + c.hostPort())
        .loadBalancer(pin)
        .defaultServiceConfig("{\"loadBalancingConfig\":[{\"test_pin\":{\"index\":2}}]}").build()) {
      ChannelTesting.Tally tally = ChannelTesting.run(channel, 30, 3);
      assertThat(tally.snapshot()).containsExactly(Map.entry("c", 30));
      assertThat(pin.configs).containsExactly(Map.of("index", 2.0));
      assertThat(pin.states).containsSubsequence(ConnectivityState.CONNECTING, ConnectivityState.READY);
      assertThat(pin.methods).contains("test.Backend/Who");
      assertThat(a.openConnections() + b.openConnections()).isZero();
    }
    assertThat(pin.states).endsWith(ConnectivityState.SHUTDOWN);
  }

  @Test
  void customBalancerByName() throws Exception {
    PinProvider pin = new PinProvider();
    try (Channel channel = Channel.builder("ipv4:" + a.hostPort() + "," + b.hostPort())
        .loadBalancer(pin).loadBalancingPolicy("test_pin").build()) {
      assertThat(who(channel)).isEqualTo("a");
      assertThat(pin.configs).containsExactly(Map.of());
    }
  }

  /** A policy whose picker misbehaves as {@code picker} says. */
  static LoadBalancer.Provider brokenPolicy(LoadBalancer.Picker picker) {
    return new LoadBalancer.Provider() {
      @Override
      public String policyName() {
        return "test_broken";
      }

      @Override
      public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
        return new LoadBalancer() {
          @Override
          public void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> config) {
            helper.updateState(ConnectivityState.READY, picker);
          }

          @Override
          public void handleResolutionError(Status error) {}

          @Override
          public void shutdown() {}
        };
      }
    };
  }

  /**
   * The call's deadline timer starts once the channel knows the call; time that passes while the
   * call is placed (here the picker itself moves the clock on) still counts against it.
   */
  @Test
  void aDeadlineThatPassesWhileTheCallIsPlacedStillEndsIt() throws Exception {
    io.conduit.testing.FakeClock clock = new io.conduit.testing.FakeClock();
    java.util.concurrent.atomic.AtomicBoolean slow = new java.util.concurrent.atomic.AtomicBoolean();
    LoadBalancer.Picker picker = args -> {
      if (slow.get()) {
        clock.advance(Duration.ofSeconds(2));
      }
      return LoadBalancer.PickResult.withNoResult();
    };
    try (Channel channel = Channel.builder("ipv4:" + a.hostPort()).loadBalancer(brokenPolicy(picker))
        .loadBalancingPolicy("test_broken").serviceConfigFromResolver(false).clock(clock).build()) {
      channel.state(true);
      await("the picker in force", WAIT, () -> channel.state(false) == ConnectivityState.READY);
      slow.set(true);
      java.util.concurrent.CompletableFuture<String> call = io.conduit.stub.ClientCalls.futureUnary(
          channel, Backend.WHO,
          CallOptions.DEFAULT.withDeadline(io.conduit.Deadline.after(Duration.ofSeconds(1), clock)), "who");
      assertThat(statusOf(call).code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void brokenPickersFailCallsInsteadOfHangingThem() throws Exception {
    Subchannel foreign = new Subchannel() {
      @Override
      public SocketAddress address() {
        return a.address();
      }

      @Override
      public void start(StateListener listener) {}

      @Override
      public void requestConnection() {}

      @Override
      public void shutdown() {}

      @Override
      public ConnectivityState state() {
        return ConnectivityState.READY;
      }
    };
    List<LoadBalancer.Picker> pickers = List.of(
        args -> null,
        args -> LoadBalancer.PickResult.withSubchannel(foreign),
        args -> {
          throw new IllegalStateException("picker bug");
        });
    for (LoadBalancer.Picker picker : pickers) {
      try (Channel channel = Channel.builder("ipv4:" + a.hostPort()).loadBalancer(brokenPolicy(picker))
          .loadBalancingPolicy("test_broken").build()) {
        Status s = statusOf(ClientCalls.futureUnary(channel, Backend.WHO,
            CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(5)), "x"));
        assertThat(s.code()).isEqualTo(Status.Code.INTERNAL);
      }
    }
  }

  /** A policy that keeps one subchannel and calls test.Backend/Who on it outside balancing. */
  static final class SubchannelCaller extends LoadBalancer {
    final LoadBalancer.Helper helper;
    final CompletableFuture<String> whileIdle = new CompletableFuture<>();
    final CompletableFuture<String> whenReady = new CompletableFuture<>();
    Subchannel sc;

    SubchannelCaller(LoadBalancer.Helper helper) {
      this.helper = helper;
    }

    @Override
    public void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> config) {
      if (sc != null) {
        return;
      }
      sc = helper.createSubchannel(addresses.get(0));
      sc.start((state, failure) -> {
        if (state == ConnectivityState.READY) {
          call(whenReady);
        }
      });
      call(whileIdle);
      sc.requestConnection();
    }

    private void call(CompletableFuture<String> outcome) {
      io.conduit.ClientCall<String, String> call = sc.newCall(Backend.WHO, CallOptions.DEFAULT);
      call.start(new io.conduit.ClientCall.Listener<>() {
        @Override
        public void onMessage(String message) {
          outcome.complete(message);
        }

        @Override
        public void onClose(Status status, io.conduit.Metadata trailers) {
          outcome.complete(status.code() + ": " + status.description());
        }
      }, new io.conduit.Metadata());
      call.request(1);
      call.sendMessage("x");
      call.halfClose();
    }

    @Override
    public void handleResolutionError(Status error) {}

    @Override
    public void shutdown() {
      if (sc != null) {
        sc.shutdown();
      }
    }
  }

  @Test
  void aPolicyCallsABackendOnItsSubchannel() throws Exception {
    AtomicReference<SubchannelCaller> policy = new AtomicReference<>();
    LoadBalancer.Provider provider = new LoadBalancer.Provider() {
      @Override
      public String policyName() {
        return "test_subchannel_caller";
      }

      @Override
      public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
        policy.set(new SubchannelCaller(helper));
        return policy.get();
      }
    };
    try (Channel channel = Channel.builder("ipv4:" + a.hostPort()).loadBalancer(provider)
        .loadBalancingPolicy("test_subchannel_caller").build()) {
      channel.state(true);
      await("the policy", WAIT, () -> policy.get() != null);
      assertThat(policy.get().whileIdle.get(5, java.util.concurrent.TimeUnit.SECONDS))
          .startsWith("UNAVAILABLE: subchannel to").contains("not READY");
      assertThat(policy.get().whenReady.get(5, java.util.concurrent.TimeUnit.SECONDS))
          .isEqualTo(a.id);
    }
  }

  @Test
  void pickersSeeTheRequestHeaders() throws Exception {
    LoadBalancer.Picker byTenant = args -> LoadBalancer.PickResult.withError(
        Status.FAILED_PRECONDITION.withDescription("tenant=" + args.headers().get("tenant")
            + " method=" + args.method().fullMethodName()));
    try (Channel channel = Channel.builder("ipv4:" + a.hostPort())
        .loadBalancer(brokenPolicy(byTenant)).loadBalancingPolicy("test_broken").build()) {
      io.conduit.CallFactory blue = io.conduit.ClientInterceptor.intercept(channel, List.of(
          io.conduit.ClientInterceptor.attachHeaders(new io.conduit.Metadata().add("tenant", "blue"))));
      Status s = statusOf(ClientCalls.futureUnary(blue, Backend.WHO, CallOptions.DEFAULT, "x"));
      assertThat(s.description()).isEqualTo("tenant=blue method=test.Backend/Who");
      s = statusOf(ClientCalls.futureUnary(channel, Backend.WHO, CallOptions.DEFAULT, "x"));
      assertThat(s.description()).isEqualTo("tenant=null method=test.Backend/Who");
    }
  }

  @Test
  void pickerDropsAndErrors() throws Exception {
    LoadBalancer.Provider dropper = new LoadBalancer.Provider() {
      @Override
      public String policyName() {
        return "test_drop";
      }

      @Override
      public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
        return new LoadBalancer() {
          @Override
          public void acceptResolvedAddresses(List<SocketAddress> addresses, Map<String, ?> config) {
            helper.updateState(ConnectivityState.READY, args -> args.options().isWaitForReady()
                ? PickResult.withDrop(Status.UNAVAILABLE.withDescription("dropped"))
                : PickResult.withError(Status.RESOURCE_EXHAUSTED.withDescription("over quota")));
          }

          @Override
          public void handleResolutionError(Status error) {}

          @Override
          public void shutdown() {}
        };
      }
    };
    try (Channel channel = Channel.builder("ipv4:" + a.hostPort()).loadBalancer(dropper)
        .loadBalancingPolicy("test_drop").build()) {
      Status s = statusOf(ClientCalls.futureUnary(channel, Backend.WHO, CallOptions.DEFAULT, "x"));
      assertThat(s.code()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      s = statusOf(ClientCalls.futureUnary(channel, Backend.WHO,
          CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(5)), "x"));
      assertThat(s.description()).isEqualTo("dropped");
      assertThat(a.calls.get()).isZero();
    }
  }
}
