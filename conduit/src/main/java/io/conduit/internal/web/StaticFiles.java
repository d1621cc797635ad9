package io.conduit.internal.web;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The files of a small browser application, answered to {@code GET}s beside its API: read whole
 * on the event loop, so meant for a page and its script, not for large downloads.
 */
final class StaticFiles {
  static final long MAX_FILE_SIZE = 16 * 1024 * 1024;
  private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
      "json", "application/json", "png", "image/png", "svg", "image/svg+xml",
      "ico", "image/x-icon", "map", "application/json");

  private final Path root;

  StaticFiles(Path root) {
    this.root = root;
  }

  /** Answers {@code GET path}; a path outside the root, or no such file, is 404. */
  void serve(WebExchange exchange, String path) {
    String relative = path.equals("/") ? "index.html" : path.substring(1);
    Path file = root.resolve(relative).normalize();
    if (!file.startsWith(root) || !Files.isRegularFile(file)) {
      WebRouter.plainError(exchange, HttpResponseStatus.NOT_FOUND, "not found: " + path);
      return;
    }
    byte[] content;
    try {
      if (Files.size(file) > MAX_FILE_SIZE) {
        WebRouter.plainError(exchange, HttpResponseStatus.NOT_FOUND, "not served: " + path);
        return;
      }
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      WebRouter.plainError(exchange, HttpResponseStatus.NOT_FOUND, "cannot read " + path);
      return;
    }
    String name = file.getFileName().toString();
    String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    exchange.head(HttpResponseStatus.OK, new DefaultHttp2Headers(false)
        .set("content-type", TYPES.getOrDefault(ext, "application/octet-stream"))
        .set("cache-control", "no-cache"), content.length);
    exchange.body(exchange.channel().alloc().buffer(content.length).writeBytes(content), true, null);
    exchange.end();
  }
}
