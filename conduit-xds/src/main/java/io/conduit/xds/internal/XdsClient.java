package io.conduit.xds.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ClientCall;
import io.conduit.Clock;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Status;
import io.conduit.internal.ExponentialBackoff;
import io.conduit.internal.SerializingExecutor;
import io.conduit.protobuf.ProtoMarshaller;
import io.conduit.xds.internal.proto.ClientConfig;
import io.conduit.xds.internal.proto.ClientResourceStatus;
import io.conduit.xds.internal.proto.DiscoveryRequest;
import io.conduit.xds.internal.proto.DiscoveryResponse;
import io.conduit.xds.internal.proto.ErrorDetail;
import io.conduit.xds.internal.proto.NamedResource;
import io.conduit.xds.internal.proto.UpdateFailureState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An xDS client (gRFC A27): one ADS stream, state of the world, to the bootstrap's management
 * server, shared by every channel with the same bootstrap. It subscribes to the resources its
 * watchers ask for, caches what comes, ACKs each response it accepts and NACKs one with an
 * invalid resource (naming it and the field; the resource's previous version stays in force),
 * and re-establishes the stream with backoff when the server goes away, keeping the cache and so
 * the watchers' last good configuration meanwhile.
 *
 * <p>State lives on one serial queue; watchers are called on the executor they gave.
 */
final class XdsClient {
  private static final System.Logger LOG = System.getLogger(XdsClient.class.getName());
  static final MethodDescriptor<DiscoveryRequest, DiscoveryResponse> ADS =
      MethodDescriptor.<DiscoveryRequest, DiscoveryResponse>builder()
          .type(MethodDescriptor.Type.BIDI_STREAMING)
          .fullMethodName(
              "envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources")
          .requestMarshaller(ProtoMarshaller.of(DiscoveryRequest.getDefaultInstance()))
          .responseMarshaller(ProtoMarshaller.of(DiscoveryResponse.getDefaultInstance()))
          .build();
  /** gRFC A27: a resource that has not come this long after it was asked for does not exist. */
  static final long DOES_NOT_EXIST_NANOS = TimeUnit.SECONDS.toNanos(15);

  /** What a watcher hears about one resource. Called on the watcher's executor. */
  interface Watcher {
    /** The resource, new or changed. */
    void onUpdate(Object resource);

    /** The server says the resource does not exist (or it did not come in time). */
    void onDoesNotExist();
  }

  private final Bootstrap bootstrap;
  private final Channel channel;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final SerializingExecutor sync;
  private final ExponentialBackoff backoff = new ExponentialBackoff(ExponentialBackoff.Policy.DEFAULT);
  private final Map<ResourceType, Map<String, Subscription>> subscriptions =
      new EnumMap<>(ResourceType.class);
  /** The last version accepted of each type, kept across streams. */
  private final Map<ResourceType, String> versions = new EnumMap<>(ResourceType.class);
  private AdsStream stream;
  private ScheduledFuture<?> restart;
  private boolean shutdown;

  XdsClient(Bootstrap bootstrap, Channel channel, ScheduledExecutorService scheduler, Clock clock,
      Executor executor) {
    this.bootstrap = bootstrap;
    this.channel = channel;
    this.scheduler = scheduler;
    this.clock = clock;
    this.sync = new SerializingExecutor(executor);
    for (ResourceType t : ResourceType.values()) {
      subscriptions.put(t, new LinkedHashMap<>());
    }
  }

  Bootstrap bootstrap() {
    return bootstrap;
  }

  /** Starts watching {@code name}; the cached resource, if any, comes at once. */
  void watch(ResourceType type, String name, Executor executor, Watcher watcher) {
    watch(type, Map.of(name, watcher), executor);
  }

  /**
   * Starts watching several resources of one type, asked for in one request: a server that
   * answers an earlier request of the same type must not see a name missing from it that a
   * state-of-the-world response would then delete.
   */
  void watch(ResourceType type, Map<String, Watcher> watchers, Executor executor) {
    sync.execute(() -> {
      if (shutdown) {
        return;
      }
      boolean added = false;
      for (Map.Entry<String, Watcher> w : watchers.entrySet()) {
        String name = w.getKey();
        Watcher watcher = w.getValue();
        Subscription sub = subscriptions.get(type).get(name);
        if (sub == null) {
          sub = new Subscription(type, name);
          subscriptions.get(type).put(name, sub);
          added = true;
        }
        sub.watchers.add(new WatcherEntry(executor, watcher));
        if (sub.value != null) {
          Object value = sub.value;
          executor.execute(() -> watcher.onUpdate(value));
        } else if (sub.doesNotExist) {
          executor.execute(watcher::onDoesNotExist);
        }
      }
      if (added) {
        if (stream == null && restart == null) {
          startStream();
        } else if (stream != null) {
          stream.send(type);
        }
      }
    });
  }

  /** Stops watching; the last watcher of a resource unsubscribes it. */
  void cancelWatch(ResourceType type, String name, Watcher watcher) {
    sync.execute(() -> {
      Subscription sub = subscriptions.get(type).get(name);
      if (sub == null) {
        return;
      }
      sub.watchers.removeIf(e -> e.watcher == watcher);
      if (sub.watchers.isEmpty()) {
        sub.cancelTimer();
        subscriptions.get(type).remove(name);
        if (stream != null) {
          stream.send(type);
        }
      }
    });
  }

  /** Ends the stream and the timers; the channel to the server is the pool's to close. */
  void shutdown() {
    sync.execute(() -> {
      shutdown = true;
      if (restart != null) {
        restart.cancel(false);
        restart = null;
      }
      for (Map<String, Subscription> subs : subscriptions.values()) {
        subs.values().forEach(Subscription::cancelTimer);
        subs.clear();
      }
      if (stream != null) {
        AdsStream s = stream;
        stream = null;
        s.call.cancel("xDS client shut down", null);
      }
    });
  }

  private void startStream() {
    restart = null;
    if (shutdown) {
      return;
    }
    stream = new AdsStream();
    stream.start();
  }

  private void streamClosed(AdsStream s, Status status) {
    if (stream != s) {
      return;
    }
    stream = null;
    if (shutdown) {
      return;
    }
    if (s.responded) {
      backoff.reset();
    }
    long delay = backoff.nextDelayNanos();
    LOG.log(System.Logger.Level.WARNING, "xDS stream to {0} ended ({1}: {2}); again in {3} ms, "
        + "keeping the resources it sent", bootstrap.serverUri(), status.code(),
        status.description(), TimeUnit.NANOSECONDS.toMillis(delay));
    for (Map<String, Subscription> subs : subscriptions.values()) {
      subs.values().forEach(Subscription::cancelTimer);
    }
    restart = clock.schedule(scheduler, () -> sync.execute(this::startStream), delay,
        TimeUnit.NANOSECONDS);
  }

  private void handleResponse(AdsStream s, DiscoveryResponse response) {
    if (stream != s) {
      return;
    }
    s.responded = true;
    ResourceType type = ResourceType.of(response.getTypeUrl());
    if (type == null) {
      s.nack(response, null, "unknown type_url " + response.getTypeUrl());
      return;
    }
    s.nonces.put(type, response.getNonce());
    Map<String, Object> parsed = new HashMap<>();
    Map<String, Any> raw = new HashMap<>();
    Map<String, String> invalid = new HashMap<>();
    List<String> errors = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      try {
        Object resource = type.parse(any);
        parsed.put(ResourceType.name(resource), resource);
        raw.put(ResourceType.name(resource), any);
      } catch (ResourceException e) {
        invalid.put(name(any), e.getMessage());
        raw.put(name(any), any);
        errors.add(e.getMessage());
      }
    }
    Map<String, Subscription> subs = subscriptions.get(type);
    for (Map.Entry<String, Object> e : parsed.entrySet()) {
      Subscription sub = subs.get(e.getKey());
      if (sub != null) {
        sub.update(e.getValue(), raw.get(e.getKey()), response.getVersionInfo());
      }
    }
    for (Map.Entry<String, String> e : invalid.entrySet()) {
      Subscription sub = subs.get(e.getKey());
      if (sub != null) {
        sub.nacked(raw.get(e.getKey()), response.getVersionInfo(), e.getValue());
      }
    }
    if (type.missingMeansDeleted()) {
      for (Subscription sub : List.copyOf(subs.values())) {
        if (!parsed.containsKey(sub.name) && !invalid.containsKey(sub.name)) {
          sub.deleted();
        }
      }
    }
    if (errors.isEmpty()) {
      versions.put(type, response.getVersionInfo());
      s.send(type);
    } else {
      String message = String.join("; ", errors);
      LOG.log(System.Logger.Level.WARNING, "xDS response version {0} of {1} NACKed: {2}",
          response.getVersionInfo(), type, message);
      s.nack(response, type, message);
    }
  }

  private static String name(Any any) {
    try {
      return NamedResource.parseFrom(any.getValue()).getName();
    } catch (InvalidProtocolBufferException e) {
      return "";
    }
  }

  /** One ADS stream; its nonces are its own, the versions the client's. */
  private final class AdsStream {
    final ClientCall<DiscoveryRequest, DiscoveryResponse> call =
        channel.newCall(ADS, CallOptions.DEFAULT.withWaitForReady(true));
    final Map<ResourceType, String> nonces = new EnumMap<>(ResourceType.class);
    boolean sentNode;
    boolean responded;

    void start() {
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(DiscoveryResponse message) {
          sync.execute(() -> handleResponse(AdsStream.this, message));
          call.request(1);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          sync.execute(() -> streamClosed(AdsStream.this, status));
        }
      }, new Metadata());
      call.request(1);
      for (ResourceType type : ResourceType.values()) {
        if (!subscriptions.get(type).isEmpty()) {
          send(type);
        }
      }
    }

    /** The subscription of {@code type} as it is now: an ACK too, after a response. */
    void send(ResourceType type) {
      DiscoveryRequest.Builder request = request(type)
          .setVersionInfo(versions.getOrDefault(type, ""));
      call.sendMessage(request.build());
      for (Subscription sub : subscriptions.get(type).values()) {
        sub.startTimer();
      }
    }

    void nack(DiscoveryResponse response, ResourceType type, String message) {
      DiscoveryRequest.Builder request = type == null
          ? DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce())
          : request(type).setVersionInfo(versions.getOrDefault(type, ""));
      call.sendMessage(request
          .setErrorDetail(ErrorDetail.newBuilder()
              .setCode(Status.Code.INVALID_ARGUMENT.value())
              .setMessage(message))
          .build());
    }

    private DiscoveryRequest.Builder request(ResourceType type) {
      DiscoveryRequest.Builder request = DiscoveryRequest.newBuilder()
          .setTypeUrl(type.typeUrl())
          .setResponseNonce(nonces.getOrDefault(type, ""))
          .addAllResourceNames(subscriptions.get(type).keySet());
      if (!sentNode) {
        request.setNode(bootstrap.node());
        sentNode = true;
      }
      return request;
    }
  }

  /**
   * What this client holds, for CSDS (gRFC A40): every subscribed resource, with its version and
   * status (requested, ACKed, NACKed with the error, or not existing).
   */
  CompletableFuture<ClientConfig> dump(boolean withContents) {
    CompletableFuture<ClientConfig> result = new CompletableFuture<>();
    sync.execute(() -> {
      ClientConfig.Builder config = ClientConfig.newBuilder().setNode(bootstrap.node());
      for (Map<String, Subscription> subs : subscriptions.values()) {
        for (Subscription sub : subs.values()) {
          config.addGenericXdsConfigs(sub.status(withContents));
        }
      }
      result.complete(config.build());
    });
    return result;
  }

  /** A resource some watchers want: its cached value, its status and its does-not-exist timer. */
  private final class Subscription {
    final ResourceType type;
    final String name;
    final Set<WatcherEntry> watchers = new CopyOnWriteArraySet<>();
    Object value;
    boolean doesNotExist;
    ScheduledFuture<?> timer;
    Any raw;
    String version = "";
    long updatedMillis;
    ClientResourceStatus status = ClientResourceStatus.REQUESTED;
    UpdateFailureState failure;

    Subscription(ResourceType type, String name) {
      this.type = type;
      this.name = name;
    }

    void update(Object resource, Any rawResource, String versionInfo) {
      cancelTimer();
      doesNotExist = false;
      raw = rawResource;
      version = versionInfo;
      updatedMillis = System.currentTimeMillis();
      status = ClientResourceStatus.ACKED;
      failure = null;
      if (Objects.equals(resource, value)) {
        return;
      }
      value = resource;
      for (WatcherEntry e : watchers) {
        e.executor.execute(() -> e.watcher.onUpdate(resource));
      }
    }

    /** Refused: the previous version (if any) stays in force; CSDS shows why. */
    void nacked(Any rawResource, String versionInfo, String details) {
      status = ClientResourceStatus.NACKED;
      failure = UpdateFailureState.newBuilder()
          .setFailedConfiguration(rawResource)
          .setVersionInfo(versionInfo)
          .setDetails(details)
          .setLastUpdateAttempt(timestamp(System.currentTimeMillis()))
          .build();
    }

    void deleted() {
      cancelTimer();
      status = ClientResourceStatus.DOES_NOT_EXIST;
      if (doesNotExist) {
        return;
      }
      value = null;
      raw = null;
      doesNotExist = true;
      for (WatcherEntry e : watchers) {
        e.executor.execute(e.watcher::onDoesNotExist);
      }
    }

    ClientConfig.GenericXdsConfig status(boolean withContents) {
      ClientConfig.GenericXdsConfig.Builder g = ClientConfig.GenericXdsConfig.newBuilder()
          .setTypeUrl(type.typeUrl())
          .setName(name)
          .setVersionInfo(version)
          .setClientStatus(status);
      // The version in force (a NACKed one is in the error state).
      if (raw != null && withContents) {
        g.setXdsConfig(raw);
      }
      if (updatedMillis > 0) {
        g.setLastUpdated(timestamp(updatedMillis));
      }
      if (failure != null) {
        g.setErrorState(failure);
      }
      return g.build();
    }

    void startTimer() {
      if (value != null || doesNotExist || timer != null) {
        return;
      }
      timer = clock.schedule(scheduler, () -> sync.execute(() -> {
        if (timer != null && subscriptions.get(type).get(name) == this) {
          timer = null;
          LOG.log(System.Logger.Level.WARNING, "xDS {0} {1} did not come in {2} s: taken as "
              + "not existing", type, name, TimeUnit.NANOSECONDS.toSeconds(DOES_NOT_EXIST_NANOS));
          deleted();
        }
      }), DOES_NOT_EXIST_NANOS, TimeUnit.NANOSECONDS);
    }

    void cancelTimer() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }
  }

  private static com.google.protobuf.Timestamp timestamp(long millis) {
    return com.google.protobuf.Timestamp.newBuilder().setSeconds(Math.floorDiv(millis, 1000))
        .setNanos(Math.floorMod(millis, 1000) * 1_000_000).build();
  }

  private record WatcherEntry(Executor executor, Watcher watcher) {}
}
