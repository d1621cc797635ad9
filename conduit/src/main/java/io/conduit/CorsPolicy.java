package io.conduit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which web pages on other origins may call the server's gRPC-Web and Connect endpoints (CORS):
 * answers browsers' preflight {@code OPTIONS} requests and marks responses for them. The headers
 * gRPC-Web and Connect clients send ({@code content-type}, {@code x-grpc-web},
 * {@code x-user-agent}, {@code grpc-timeout}, {@code connect-protocol-version},
 * {@code connect-timeout-ms}) are always allowed, and {@code grpc-status}, {@code grpc-message}
 * always exposed; name the application's own metadata with {@link Builder#allowHeaders} and
 * {@link Builder#exposeHeaders}.
 *
 * <pre>{@code
 * CorsPolicy cors = CorsPolicy.builder()
 *     .allowOrigins("https://app.example.com")
 *     .allowHeaders("x-request-id")
 *     .exposeHeaders("x-request-id")
 *     .build();
 * }</pre>
 */
public final class CorsPolicy {
  /** Same-origin pages only: no cross-origin request is allowed. */
  public static final CorsPolicy SAME_ORIGIN = builder().build();

  private final Set<String> origins;
  private final boolean anyOrigin;
  private final boolean allowCredentials;
  private final Duration maxAge;
  private final Set<String> allowHeaders;
  private final Set<String> exposeHeaders;

  private CorsPolicy(Builder b) {
    this.origins = Set.copyOf(b.origins);
    this.anyOrigin = b.anyOrigin;
    this.allowCredentials = b.allowCredentials;
    this.maxAge = b.maxAge;
    this.allowHeaders = Set.copyOf(b.allowHeaders);
    this.exposeHeaders = Set.copyOf(b.exposeHeaders);
  }

  /** {@return a builder of a policy that allows no origin until told otherwise} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether a page from {@code origin} (as the browser's {@code Origin} header gives it) may call.
   *
   * @param origin the origin, e.g. {@code https://app.example.com}
   * @return whether that origin may call
   */
  public boolean allowsOrigin(String origin) {
    return origin != null && (anyOrigin || origins.contains(origin.toLowerCase(Locale.ROOT)));
  }

  /**
   * {@return whether any origin is allowed (and then, without credentials, answered with {@code
   * *})}
   */
  public boolean allowsAnyOrigin() {
    return anyOrigin;
  }

  /**
   * {@return whether the browser may send cookies and HTTP authentication with cross-origin calls}
   */
  public boolean allowsCredentials() {
    return allowCredentials;
  }

  /** {@return how long a browser may cache a preflight answer} */
  public Duration maxAge() {
    return maxAge;
  }

  /** {@return the application's request headers allowed besides the protocols' own (lower case)} */
  public Set<String> allowedHeaders() {
    return allowHeaders;
  }

  /**
   * {@return the application's response headers exposed besides the protocols' own (lower case)}
   */
  public Set<String> exposedHeaders() {
    return exposeHeaders;
  }

  @Override
  public String toString() {
    return "CorsPolicy[origins=" + (anyOrigin ? "*" : origins) + ", credentials=" + allowCredentials
        + ", maxAge=" + maxAge + "]";
  }

  /** Configures a {@link CorsPolicy}. */
  public static final class Builder {
    private final Set<String> origins = new TreeSet<>();
    private boolean anyOrigin;
    private boolean allowCredentials;
    private Duration maxAge = Duration.ofHours(2);
    private final List<String> allowHeaders = new ArrayList<>();
    private final List<String> exposeHeaders = new ArrayList<>();

    private Builder() {}

    /**
     * Allows pages from these origins, e.g. {@code https://app.example.com:8443}.
     *
     * @param origins the origins, as {@code scheme://host[:port]}
     * @return this builder
     */
    public Builder allowOrigins(String... origins) {
      for (String o : origins) {
        String origin = Objects.requireNonNull(o, "origin").toLowerCase(Locale.ROOT);
        if (origin.endsWith("/") || !origin.contains("://")) {
          throw new IllegalArgumentException("an origin is scheme://host[:port]: " + o);
        }
        this.origins.add(origin);
      }
      return this;
    }

    /**
     * Whether pages from every origin are allowed (default false: only the listed ones).
     *
     * @param allow whether every origin is allowed
     * @return this builder
     */
    public Builder allowAnyOrigin(boolean allow) {
      this.anyOrigin = allow;
      return this;
    }

    /**
     * Lets browsers send credentials (cookies, HTTP authentication). Default: no.
     *
     * @param allow whether credentials are allowed
     * @return this builder
     */
    public Builder allowCredentials(boolean allow) {
      this.allowCredentials = allow;
      return this;
    }

    /**
     * How long browsers may cache a preflight answer (default 2 h).
     *
     * @param maxAge how long a preflight answer stays valid
     * @return this builder
     */
    public Builder maxAge(Duration maxAge) {
      if (maxAge.isNegative()) {
        throw new IllegalArgumentException("maxAge must not be negative: " + maxAge);
      }
      this.maxAge = maxAge;
      return this;
    }

    /**
     * The application's metadata keys that cross-origin requests may carry.
     *
     * @param headers the metadata keys
     * @return this builder
     */
    public Builder allowHeaders(String... headers) {
      for (String h : headers) {
        allowHeaders.add(h.toLowerCase(Locale.ROOT));
      }
      return this;
    }

    /**
     * The application's response metadata keys that cross-origin pages may read.
     *
     * @param headers the metadata keys
     * @return this builder
     */
    public Builder exposeHeaders(String... headers) {
      for (String h : headers) {
        exposeHeaders.add(h.toLowerCase(Locale.ROOT));
      }
      return this;
    }

    /** {@return the policy} */
    public CorsPolicy build() {
      return new CorsPolicy(this);
    }
  }
}
