package io.conduit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.CallOptions;
import io.conduit.ClientCall;
import io.conduit.Context;
import io.conduit.Metadata;
import io.conduit.testing.FakeClock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hand-over from a delayed call to its real call, as its listener sees it. */
class DelayedClientCallTest {
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  /** A real call that is ready once started, and says so to its listener at once. */
  static final class ReadyOnStart extends ClientCall<String, String> {
    final List<String> commands = new ArrayList<>();
    volatile boolean started;

    @Override
    public void start(Listener<String> listener, Metadata headers) {
      started = true;
      listener.onReady();
    }

    @Override
    public boolean isReady() {
      return started;
    }

    @Override
    public void request(int numMessages) {
      commands.add("request " + numMessages);
    }

    @Override
    public void cancel(String message, Throwable cause) {
      commands.add("cancel");
    }

    @Override
    public void halfClose() {
      commands.add("halfClose");
    }

    @Override
    public void sendMessage(String message) {
      commands.add("send " + message);
    }
  }

  /** Waits for {@link #go}. */
  final class Waiting extends DelayedClientCall<String, String> {
    Metadata headers;
    Context context;

    Waiting() {
      super(CallOptions.DEFAULT, Runnable::run, scheduler, new FakeClock(), "a test");
    }

    @Override
    protected void onStart(Metadata headers, Context context) {
      this.headers = headers;
      this.context = context;
    }

    void go(ClientCall<String, String> real) {
      begin(real, headers, context);
    }
  }

  @Test
  void aWriterWokenByTheRealCallsOnReadySeesItReady() {
    Waiting call = new Waiting();
    List<Boolean> readyWhenWoken = new ArrayList<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onReady() {
        // What a blocking writer does when woken: look again, and send if ready.
        readyWhenWoken.add(call.isReady());
      }
    }, new Metadata());
    call.request(1);
    assertThat(call.isReady()).as("before the real call").isFalse();

    ReadyOnStart real = new ReadyOnStart();
    call.go(real);

    assertThat(readyWhenWoken).containsExactly(true);
    call.sendMessage("x");
    assertThat(real.commands).containsExactly("request 1", "send x");
  }
}
