package io.conduit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ClientCall;
import io.conduit.Marshaller;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;
import io.conduit.Server;
import io.conduit.ServiceDefinition;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.stub.ClientCalls;
import io.conduit.stub.ServerCalls;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The extension, as its users meet it: sample test classes run through the JUnit launcher, and
 * how each ended. A test that leaves a channel, a server, a call or a buffer behind fails; one
 * that cleans up (or lets the extension do it) passes.
 */
class ConduitExtensionTest {
  static final Marshaller<String> STRING = Marshaller.ofBytes(
      s -> s.getBytes(StandardCharsets.UTF_8), b -> new String(b, StandardCharsets.UTF_8));
  static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "kit.Test/Echo", STRING, STRING);
  static final MethodDescriptor<String, String> CHAT =
      MethodDescriptor.of(MethodDescriptor.Type.BIDI_STREAMING, "kit.Test/Chat", STRING, STRING);
  /** Answers when the call's deadline passes, or the client goes: never by itself. */
  static final MethodDescriptor<String, String> HANG =
      MethodDescriptor.of(MethodDescriptor.Type.UNARY, "kit.Test/Hang", STRING, STRING);

  static ServiceDefinition service() {
    return ServiceDefinition.builder("kit.Test")
        .method(ECHO, ServerCalls.unary((req, out) -> {
          out.onNext(req);
          out.onCompleted();
        }))
        .method(CHAT, ServerCalls.<String, String>bidiStreaming(out -> new io.conduit.stub.StreamObserver<String>() {
          @Override
          public void onNext(String value) {
            out.onNext(value);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        }))
        .method(HANG, ServerCalls.unary((req, out) -> { }))
        .build();
  }

  // ---------------------------------------------------------------- the samples

  /** Uses the extension's server and channel, in-process and over a loopback port. */
  static class Clean {
    @RegisterExtension
    final ConduitExtension conduit = ConduitExtension.create();

    @Test
    void inProcess() {
      Server server = conduit.server(b -> b.service(service()));
      assertThat(ClientCalls.blockingUnary(conduit.channel(server), ECHO, CallOptions.DEFAULT, "hi"))
          .isEqualTo("hi");
    }

    @Test
    void overLoopback() {
      Server server = conduit.loopbackServer(b -> b.service(service()));
      assertThat(ClientCalls.blockingUnary(conduit.channel(server), ECHO, CallOptions.DEFAULT, "hi"))
          .isEqualTo("hi");
    }

    @Test
    void whatTheTestBuildsAndRegistersIsClosedForIt() {
      Server server = conduit.register(Server.builder().bind("127.0.0.1", 0).service(service())
          .build().start());
      Channel channel = conduit.register(Channel.builder("127.0.0.1:" + server.port()).build());
      assertThat(ClientCalls.blockingUnary(channel, ECHO, CallOptions.DEFAULT, "x")).isEqualTo("x");
    }

    @Test
    void aCancelledCallIsNotLeftOpen() {
      Server server = conduit.server(b -> b.service(service()));
      ClientCall<String, String> call = conduit.channel(server).newCall(CHAT, CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {}, new Metadata());
      call.sendMessage("x");
      call.cancel("done with it", null);
    }
  }

  /** A deadline of a minute passes when the test says so. */
  static class FakeTime {
    @RegisterExtension
    final ConduitExtension conduit = ConduitExtension.create().withFakeClock();

    @Test
    void aDeadlinePassesWhenTheClockIsMoved() throws Exception {
      Server server = conduit.server(b -> b.service(service()));
      CompletableFuture<String> call = ClientCalls.futureUnary(conduit.channel(server), HANG,
          CallOptions.DEFAULT.withTimeout(Duration.ofMinutes(1)), "wait");
      conduit.clock().advance(Duration.ofMinutes(1));
      try {
        call.get(10, TimeUnit.SECONDS);
        throw new AssertionError("the call ended without its deadline");
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(((StatusException) e.getCause()).status().code())
            .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      }
    }
  }

  static class LeaksAChannel {
    @RegisterExtension
    final ConduitExtension conduit = ConduitExtension.create();

    @Test
    void buildsAChannelAndForgetsIt() {
      Server server = conduit.server(b -> b.service(service()));
      Channel mine = Channel.builder("127.0.0.1:1").build();
      assertThat(mine.isShutdown()).isFalse();
      assertThat(server.isShutdown()).isFalse();
    }
  }

  static class LeaksAServer {
    @RegisterExtension
    final ConduitExtension conduit = ConduitExtension.create();

    @Test
    void startsAServerAndForgetsIt() {
      Server.builder().bind("127.0.0.1", 0).service(service()).build().start();
    }
  }

  static class LeavesACallOpen {
    @RegisterExtension
    final ConduitExtension conduit = ConduitExtension.create();

    @Test
    void startsAStreamAndNeverEndsIt() {
      Server server = conduit.server(b -> b.service(service()));
      ClientCall<String, String> call = conduit.channel(server).newCall(CHAT, CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {}, new Metadata());
      call.sendMessage("x");
    }
  }

  static class LeaksABuffer {
    @RegisterExtension
    final ConduitExtension conduit = ConduitExtension.create();

    @Test
    void allocatesABufferAndDropsIt() {
      PooledByteBufAllocator.DEFAULT.buffer(16).writeInt(42);
    }
  }

  // ---------------------------------------------------------------- the checks

  record Outcome(long passed, List<String> failures) {}

  static Outcome run(Class<?> sample) {
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(sample))
        .build(), listener);
    TestExecutionSummary summary = listener.getSummary();
    List<String> failures = new ArrayList<>();
    for (TestExecutionSummary.Failure f : summary.getFailures()) {
      failures.add(String.valueOf(f.getException().getMessage()));
    }
    return new Outcome(summary.getTestsSucceededCount(), failures);
  }

  @Test
  void aTestThatCleansUpOrLetsTheExtensionDoItPasses() {
    Outcome outcome = run(Clean.class);
    assertThat(outcome.failures()).isEmpty();
    assertThat(outcome.passed()).isEqualTo(4);
  }

  @Test
  void theFakeClockDrivesDeadlines() {
    Outcome outcome = run(FakeTime.class);
    assertThat(outcome.failures()).isEmpty();
    assertThat(outcome.passed()).isEqualTo(1);
  }

  @Test
  void aChannelLeftOpenFailsTheTest() {
    Outcome outcome = run(LeaksAChannel.class);
    assertThat(outcome.failures()).singleElement().asString()
        .contains("channel").contains("127.0.0.1:1").contains("never closed");
  }

  @Test
  void aServerLeftOpenFailsTheTest() {
    Outcome outcome = run(LeaksAServer.class);
    assertThat(outcome.failures()).singleElement().asString()
        .contains("server").contains("never closed");
  }

  @Test
  void aCallLeftOpenFailsTheTest() {
    Outcome outcome = run(LeavesACallOpen.class);
    assertThat(outcome.failures()).singleElement().asString()
        .contains("kit.Test/Chat").contains("still open");
  }

  @Test
  void aBufferNeverReleasedFailsTheTest() {
    Outcome outcome = run(LeaksABuffer.class);
    assertThat(outcome.failures()).singleElement().asString()
        .contains("Netty buffer").contains("never released");
  }
}
