package io.conduit;

import java.util.Set;
import java.util.function.Consumer;

/**
 * An example server-side authentication interceptor: calls need {@code authorization: Bearer
 * <token>} with a known token; others end with UNAUTHENTICATED before reaching the service.
 *
 * <pre>{@code
 * Server.builder().tls(tls).intercept(new BearerTokenInterceptor(Set.of("s3cret"), t -> {}))
 * }</pre>
 */
final class BearerTokenInterceptor implements ServerInterceptor {
  private final Set<String> validTokens;
  private final Consumer<String> seen;

  /** {@code seen} gets every token presented, valid or not (for tests). */
  BearerTokenInterceptor(Set<String> validTokens, Consumer<String> seen) {
    this.validTokens = Set.copyOf(validTokens);
    this.seen = seen;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String authorization = headers.get("authorization");
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return refuse(call, "missing bearer token");
    }
    String token = authorization.substring("Bearer ".length());
    seen.accept(token);
    if (!validTokens.contains(token)) {
      return refuse(call, "invalid bearer token");
    }
    return next.startCall(call, headers);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
