package io.conduit;

/**
 * What a service method may want to know about the server call it is handling, without writing
 * an interceptor: the request headers, the peer, the method and the authority. The server puts
 * it into every call's {@link Context}, so handler code (and the listener callbacks of
 * interceptors) reads it with {@link #current()}:
 *
 * <pre>{@code
 * ServerCallInfo info = ServerCallInfo.current();
 * String tenant = info.headers().get(TENANT_KEY);
 * }</pre>
 *
 * @param headers the request headers: the same object that interceptors and the handler get
 *     (not copied per call, to keep calls cheap), so read them rather than modify them
 * @param peer the client, as {@link Peer#current()} gives it
 * @param fullMethodName the method, as {@code package.Service/Method}
 * @param authority the {@code :authority} the client sent, or {@code null}
 */
public record ServerCallInfo(Metadata headers, Peer peer, String fullMethodName, String authority) {

  /** The key under which a server puts the call's info into every call's {@link Context}. */
  public static final Context.Key<ServerCallInfo> KEY = Context.Key.of("conduit.server-call-info");

  /** {@return the info of the server call running on this thread, or {@code null} outside one} */
  public static ServerCallInfo current() {
    return KEY.get();
  }
}
