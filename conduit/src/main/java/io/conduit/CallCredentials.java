package io.conduit;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Supplies per-call request metadata, typically an {@code authorization} token, possibly
 * asynchronously: the call waits (within its deadline) until the metadata is there. An
 * implementation decides when to refresh what it caches. Set one for a whole channel with
 * {@link Channel.Builder#callCredentials} or for single calls with
 * {@link CallOptions#withCallCredentials}; a call that has both gets the metadata of both.
 *
 * <pre>{@code
 * CallCredentials creds = info -> tokenCache.get()   // a CompletionStage<String>
 *     .thenApply(token -> CallCredentials.bearerMetadata(token));
 * Channel channel = Channel.builder("api.example.com:443").tls().callCredentials(creds).build();
 * }</pre>
 *
 * <p>Credentials are secrets: by default a channel without TLS refuses to send them and fails the
 * call with UNAUTHENTICATED; {@link #allowingPlaintext()} lifts that, e.g. for tests on loopback.
 * A stage that fails with a {@link StatusException} fails the call with that status; any other
 * failure gives UNAVAILABLE.
 */
@FunctionalInterface
public interface CallCredentials {

  /** What the call is, for credentials that depend on it (e.g. a per-audience token). */
  record RequestInfo(MethodDescriptor<?, ?> method, String authority, boolean secure) {}

  /**
   * The metadata to add to the call's request headers.
   *
   * @param info the call's method, authority and security level
   * @return a stage completing with the metadata; if it fails, so does the call: with the
   *     status of a {@link StatusException}, otherwise UNAVAILABLE
   */
  CompletionStage<Metadata> requestMetadata(RequestInfo info);

  /** {@return whether these credentials may only go over TLS (default true)} */
  default boolean requiresTls() {
    return true;
  }

  /**
   * These credentials, also sent over plaintext connections.
   *
   * @return credentials that are also sent without TLS
   */
  default CallCredentials allowingPlaintext() {
    CallCredentials self = this;
    return new CallCredentials() {
      @Override
      public CompletionStage<Metadata> requestMetadata(RequestInfo info) {
        return self.requestMetadata(info);
      }

      @Override
      public boolean requiresTls() {
        return false;
      }
    };
  }

  /**
   * {@code authorization: Bearer <token>} with a token obtained anew for each call.
   *
   * @param token supplies the token; called once per call
   * @return the credentials
   */
  static CallCredentials bearer(Supplier<String> token) {
    Objects.requireNonNull(token, "token");
    return info -> CompletableFuture.completedFuture(bearerMetadata(token.get()));
  }

  /**
   * {@code authorization: Bearer <token>}.
   *
   * @param token the bearer token
   * @return metadata with one {@code authorization} header
   */
  static Metadata bearerMetadata(String token) {
    Metadata md = new Metadata();
    md.add("authorization", "Bearer " + token);
    return md;
  }
}
