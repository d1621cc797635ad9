package io.conduit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Serving browsers and HTTP/1.1 clients on the server's own port, beside native gRPC: gRPC-Web
 * (binary and text) and the Connect protocol (protobuf and JSON), over HTTP/1.1 and HTTP/2,
 * with no proxy in front. Turned on with {@link Server.Builder#web}.
 *
 * <pre>{@code
 * Server.builder().port(8080)
 *     .service(new GreeterService())
 *     .web(WebOptions.builder().cors(CorsPolicy.builder().allowAnyOrigin(true).build()).build())
 *     .build().start();
 * // curl -H 'content-type: application/json' -d '{"name":"world"}' \
 * //     http://localhost:8080/helloworld.Greeter/SayHello
 * }</pre>
 *
 * <p>Connect's JSON codec needs {@code com.google.protobuf:protobuf-java-util} on the class path
 * (an optional dependency, so that the runtime does not require Guava); without it JSON requests
 * get 415 and protobuf ones work.
 */
public final class WebOptions {
  private final CorsPolicy cors;
  private final Path staticFiles;

  private WebOptions(Builder b) {
    this.cors = b.cors;
    this.staticFiles = b.staticFiles;
  }

  /**
   * Web protocols for same-origin pages, no static files.
   *
   * @return the default options
   */
  public static WebOptions defaults() {
    return builder().build();
  }

  /** {@return a builder with the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the CORS policy for browsers on other origins} */
  public CorsPolicy cors() {
    return cors;
  }

  /** {@return the directory whose files {@code GET} requests are answered from, or null} */
  public Path staticFiles() {
    return staticFiles;
  }

  @Override
  public String toString() {
    return "WebOptions[" + cors + (staticFiles == null ? "" : ", staticFiles=" + staticFiles) + "]";
  }

  /** Configures {@link WebOptions}. */
  public static final class Builder {
    private CorsPolicy cors = CorsPolicy.SAME_ORIGIN;
    private Path staticFiles;

    private Builder() {}

    /**
     * Which other origins' pages may call (default {@link CorsPolicy#SAME_ORIGIN}).
     *
     * @param cors the CORS policy
     * @return this builder
     */
    public Builder cors(CorsPolicy cors) {
      this.cors = Objects.requireNonNull(cors, "cors");
      return this;
    }

    /**
     * Answers {@code GET} requests for paths that are no method with the files under
     * {@code directory} ({@code /} is {@code index.html}), so that a browser application can be
     * served from the same origin as its API. Default: none.
     *
     * @param directory the directory of the static files
     * @return this builder
     */
    public Builder staticFiles(Path directory) {
      if (!Files.isDirectory(directory)) {
        throw new IllegalArgumentException("not a directory: " + directory);
      }
      this.staticFiles = directory.toAbsolutePath().normalize();
      return this;
    }

    /** {@return the options} */
    public WebOptions build() {
      return new WebOptions(this);
    }
  }
}
