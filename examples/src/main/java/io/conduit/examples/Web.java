package io.conduit.examples;

import io.conduit.CorsPolicy;
import io.conduit.WebOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * The example servers' web setting: gRPC-Web and Connect on the server's own port, beside native
 * gRPC, for pages from the server's own origin, and optionally the browser page's files and other
 * origins that may call.
 */
public final class Web {
  private Web() {}

  /**
   * Serves the files under {@code files} (null: none) to browsers, and lets pages from
   * {@code allowedOrigins} (e.g. {@code http://localhost:5173}) call besides the server's own.
   */
  public static WebOptions options(Path files, List<String> allowedOrigins) {
    WebOptions.Builder web = WebOptions.builder();
    if (files != null) {
      web.staticFiles(files);
    }
    if (!allowedOrigins.isEmpty()) {
      web.cors(CorsPolicy.builder().allowOrigins(allowedOrigins.toArray(String[]::new)).build());
    }
    return web.build();
  }
}
