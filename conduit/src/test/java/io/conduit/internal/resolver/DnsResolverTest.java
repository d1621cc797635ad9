package io.conduit.internal.resolver;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Status;
import io.conduit.internal.Json;
import io.conduit.internal.SerializingExecutor;
import io.conduit.resolver.NameResolver;
import io.conduit.testing.Await;
import io.conduit.testing.Dnsmasq;
import io.conduit.testing.FakeClock;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dns resolver against a real DNS server (dnsmasq): records, errors, refresh limits, service
 * configs in TXT records.
 */
@Timeout(30)
class DnsResolverTest {
  static Dnsmasq dns;
  static ScheduledExecutorService scheduler;

  static final String ROUND_ROBIN = "{\"loadBalancingConfig\":[{\"round_robin\":{}}]}";
  /** Several times the 255 bytes of one TXT string (and as long as dnsmasq takes). */
  static final String LONG_CONFIG = longConfig(16);

  static String longConfig(int services) {
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < services; i++) {
      names.append(i == 0 ? "" : ",").append("{\"service\":\"conduit.test.LongServiceName").append(i)
          .append("\"}");
    }
    return "{\"methodConfig\":[{\"name\":[" + names + "],\"timeout\":\"1.5s\"}]}";
  }

  @BeforeAll
  static void startDns() throws Exception {
    dns = Dnsmasq.start(
        Map.of("svc.test", List.of("127.0.0.1", "127.0.0.2"), "cfg.test", List.of("127.0.0.3"),
            "long.test", List.of("127.0.0.4"), "bad.test", List.of("127.0.0.5")),
        Map.of("_grpc_config.cfg.test", List.of("grpc_config=[{\"clientLanguage\":[\"go\"],"
                + "\"serviceConfig\":{}},{\"serviceConfig\":" + ROUND_ROBIN + "}]"),
            "_grpc_config.long.test", List.of("grpc_config=[{\"serviceConfig\":" + LONG_CONFIG + "}]"),
            "_grpc_config.bad.test", List.of("grpc_config=[{\"serviceConfig\":{},\"canary\":1}]")));
    scheduler = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterAll
  static void stopDns() {
    if (dns != null) {
      dns.close();
    }
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }

  final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  final BlockingQueue<NameResolver.Result> results = new LinkedBlockingQueue<>();
  final SerializingExecutor syncContext = new SerializingExecutor(r -> scheduler.execute(r));
  /** The resolver's clock: refresh intervals and periods pass when the test advances it. */
  final FakeClock clock = new FakeClock();
  NameResolver resolver;

  @BeforeEach
  void resetRecords() throws Exception {
    dns.setRecords(Map.of("svc.test", List.of("127.0.0.1", "127.0.0.2"), "cfg.test",
        List.of("127.0.0.3"), "long.test", List.of("127.0.0.4"), "bad.test", List.of("127.0.0.5")));
  }

  @AfterEach
  void stopResolver() {
    if (resolver != null) {
      syncContext.execute(resolver::shutdown);
    }
  }

  NameResolver start(String target, Duration minRefresh, Duration period) {
    return start(target, minRefresh, period, false);
  }

  NameResolver start(String target, Duration minRefresh, Duration period, boolean txtConfig) {
    NameResolverRegistry registry = new NameResolverRegistry(List.of());
    NameResolver.Args args =
        new NameResolver.Args(443, syncContext, scheduler, minRefresh, period, txtConfig, clock);
    resolver = registry.newResolver(registry.normalize(target), args);
    NameResolver r = resolver;
    syncContext.execute(() -> r.start(new NameResolver.Listener() {
      @Override
      public void onResult(NameResolver.Result result) {
        results.add(result);
        events.add(result.addresses());
      }

      @Override
      public void onError(Status error) {
        events.add(error);
      }
    }));
    return r;
  }

  Object next() throws InterruptedException {
    Object e = events.poll(5, TimeUnit.SECONDS);
    assertThat(e).as("resolver event").isNotNull();
    return e;
  }

  @SuppressWarnings("unchecked")
  List<SocketAddress> nextAddresses() throws InterruptedException {
    Object e = next();
    assertThat(e).isInstanceOf(List.class);
    return (List<SocketAddress>) e;
  }

  @Test
  void resolvesARecordsWithThePort() throws Exception {
    start("dns://127.0.0.1:" + dns.port() + "/svc.test:8443", Duration.ofSeconds(30), null);
    assertThat(nextAddresses()).containsExactlyInAnyOrder(new InetSocketAddress("127.0.0.1", 8443),
        new InetSocketAddress("127.0.0.2", 8443));
  }

  @Test
  void defaultPortIs443() throws Exception {
    start("dns://127.0.0.1:" + dns.port() + "/svc.test", Duration.ofSeconds(30), null);
    List<SocketAddress> got = nextAddresses();
    assertThat(got).allSatisfy(a -> assertThat(((InetSocketAddress) a).getPort()).isEqualTo(443));
  }

  @Test
  void unknownNameIsUnavailable() throws Exception {
    start("dns://127.0.0.1:" + dns.port() + "/nothing.test:80", Duration.ofSeconds(30), null);
    assertThat(next()).isInstanceOfSatisfying(Status.class, s -> {
      assertThat(s.code()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(s.description()).contains("nothing.test");
    });
  }

  @Test
  void refreshesAreRateLimited() throws Exception {
    NameResolver r = start("dns://127.0.0.1:" + dns.port() + "/svc.test:80", Duration.ofMillis(700), null);
    next();
    dns.setRecords(Map.of("svc.test", List.of("127.0.0.3")));
    int queriesBefore = dns.queriesFor("svc.test");
    // A burst of refreshes right after a resolution: one more resolution, once the interval is over.
    for (int i = 0; i < 50; i++) {
      syncContext.execute(r::refresh);
    }
    awaitOneTimer();
    assertThat(clock.untilNextTimer()).as("waits for the minimum interval").isEqualTo(Duration.ofMillis(700));
    clock.advance(Duration.ofMillis(699));
    assertThat(dns.queriesFor("svc.test")).isEqualTo(queriesBefore);
    clock.advance(Duration.ofMillis(1));
    assertThat(next()).isEqualTo(List.of(new InetSocketAddress("127.0.0.3", 80)));
    // No further resolution: nothing is scheduled, nothing resolving.
    assertThat(clock.pendingTimers()).as("no further resolution").isZero();
    assertThat(events).isEmpty();
    // A and AAAA, once.
    assertThat(dns.queriesFor("svc.test") - queriesBefore).isBetween(1, 2);
  }

  @Test
  void periodicRefreshFollowsRecordChanges() throws Exception {
    start("dns://127.0.0.1:" + dns.port() + "/svc.test:80", Duration.ofMillis(10), Duration.ofMillis(100));
    assertThat(nextAddresses()).containsExactlyInAnyOrder(new InetSocketAddress("127.0.0.1", 80),
        new InetSocketAddress("127.0.0.2", 80));
    dns.setRecords(Map.of("svc.test", List.of("127.0.0.3")));
    Object e;
    do {
      clock.advance(Duration.ofMillis(100));
      e = next();
    } while (!e.equals(List.of(new InetSocketAddress("127.0.0.3", 80))));
  }

  /** Waits until the resolver has set one timer (its work runs on the synchronization context). */
  void awaitOneTimer() throws InterruptedException {
    Await.until("the resolver's timer", Duration.ofSeconds(5), () -> clock.pendingTimers() == 1);
  }

  @Test
  void noResultsAfterShutdown() throws Exception {
    NameResolver r = start("dns://127.0.0.1:" + dns.port() + "/svc.test:80", Duration.ofMillis(10),
        Duration.ofMillis(50));
    next();
    java.util.concurrent.CountDownLatch down = new java.util.concurrent.CountDownLatch(1);
    syncContext.execute(() -> {
      r.shutdown();
      down.countDown();
    });
    assertThat(down.await(5, TimeUnit.SECONDS)).isTrue();
    // The periodic refresh is cancelled: however long the clock runs, no resolution and no result.
    assertThat(clock.pendingTimers()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(events).isEmpty();
  }

  NameResolver.Result nextResult() throws InterruptedException {
    NameResolver.Result r = results.poll(5, TimeUnit.SECONDS);
    assertThat(r).as("resolver result").isNotNull();
    return r;
  }

  String target(String name) {
    return "dns://127.0.0.1:" + dns.port() + "/" + name + ":80";
  }

  @Test
  void txtConfigIsLookedUpOnlyWhenAskedFor() throws Exception {
    start(target("cfg.test"), Duration.ofSeconds(30), null);
    NameResolver.Result r = nextResult();
    assertThat(r.addresses()).containsExactly(new InetSocketAddress("127.0.0.3", 80));
    assertThat(r.serviceConfigJson()).isNull();
    assertThat(dns.queriesFor("_grpc_config.cfg.test")).as("TXT queries").isZero();
    syncContext.execute(resolver::shutdown);

    start(target("cfg.test"), Duration.ofSeconds(30), null, true);
    r = nextResult();
    assertThat(r.addresses()).containsExactly(new InetSocketAddress("127.0.0.3", 80));
    // The go choice is skipped.
    assertThat(Json.parse(r.serviceConfigJson())).isEqualTo(Json.parse(ROUND_ROBIN));
    assertThat(r.serviceConfigError()).isNull();
    assertThat(dns.queriesFor("_grpc_config.cfg.test")).as("TXT queries").isPositive();
  }

  @Test
  void longTxtConfigSplitIntoManyStringsIsJoined() throws Exception {
    assertThat(LONG_CONFIG.length()).as("three strings or more").isGreaterThan(2 * 255);
    start(target("long.test"), Duration.ofSeconds(30), null, true);
    NameResolver.Result r = nextResult();
    assertThat(r.addresses()).containsExactly(new InetSocketAddress("127.0.0.4", 80));
    assertThat(r.serviceConfigJson()).isNotNull();
    assertThat(Json.parse(r.serviceConfigJson())).isEqualTo(Json.parse(LONG_CONFIG));
  }

  @Test
  void noTxtRecordMeansNoConfigAndTheAddressesStillCome() throws Exception {
    start(target("svc.test"), Duration.ofSeconds(30), null, true);
    NameResolver.Result r = nextResult();
    assertThat(r.addresses()).hasSize(2);
    assertThat(r.serviceConfigJson()).isNull();
    assertThat(r.serviceConfigError()).isNull();
  }

  @Test
  void invalidTxtConfigIsReportedWithTheAddresses() throws Exception {
    start(target("bad.test"), Duration.ofSeconds(30), null, true);
    NameResolver.Result r = nextResult();
    assertThat(r.addresses()).containsExactly(new InetSocketAddress("127.0.0.5", 80));
    assertThat(r.serviceConfigJson()).isNull();
    assertThat(r.serviceConfigError()).isNotNull();
    assertThat(r.serviceConfigError().description()).contains("_grpc_config.bad.test")
        .contains("unknown field 'canary'");
  }

  @Test
  void refreshAfterAFailureIsNotHeldBackByTheInterval() throws Exception {
    NameResolver r = start(target("later.test"), Duration.ofSeconds(30), null);
    assertThat(next()).isInstanceOf(Status.class);
    dns.setRecords(Map.of("later.test", List.of("127.0.0.9")));
    syncContext.execute(r::refresh);
    assertThat(nextAddresses()).containsExactly(new InetSocketAddress("127.0.0.9", 80));
    // After a success the interval applies again: the refresh waits for it.
    syncContext.execute(r::refresh);
    awaitOneTimer();
    assertThat(clock.untilNextTimer()).isEqualTo(Duration.ofSeconds(30));
    assertThat(events).isEmpty();
    clock.advance(Duration.ofSeconds(30));
    assertThat(nextAddresses()).containsExactly(new InetSocketAddress("127.0.0.9", 80));
  }

  @Test
  void ipLiteralsNeedNoDnsClient() throws Exception {
    NameResolver r = start("dns:///127.0.0.1:8080", Duration.ofSeconds(30), null, true);
    assertThat(r).isNotInstanceOf(DnsResolver.class);
    assertThat(nextAddresses()).containsExactly(new InetSocketAddress("127.0.0.1", 8080));
    r = start("[::1]:9090", Duration.ofSeconds(30), null, true);
    assertThat(r).isNotInstanceOf(DnsResolver.class);
    assertThat(nextAddresses()).containsExactly(new InetSocketAddress("::1", 9090));
    assertThat(results).allMatch(res -> res.serviceConfigJson() == null);
  }
}
