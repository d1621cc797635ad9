package io.conduit.interop;

import io.conduit.ChannelTls;
import io.conduit.ServerTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * TLS for the interop programs ({@code --use_tls=true}): the standard interop test certificates
 * (the CA, and the server1 pair that names {@code *.test.google.fr}), taken at build time from
 * grpc-java's {@code io.grpc:grpc-testing} artifact into this module's classpath under
 * {@code certs/}.
 */
final class InteropTls {
  /** The name the test certificate carries; clients pass it as {@code --server_host_override}. */
  static final String TEST_HOST = "foo.test.google.fr";

  private InteropTls() {}

  /** The server side: server1.pem and server1.key. */
  static ServerTls serverTls() {
    return ServerTls.fromPem(resource("server1.pem"), resource("server1.key"));
  }

  /** The client side: trusting the test CA ({@code --use_test_ca=true}) or the JDK's CAs. */
  static ChannelTls channelTls(boolean useTestCa) {
    return useTestCa
        ? ChannelTls.builder().trustPem(resource("ca.pem")).build()
        : ChannelTls.systemDefault();
  }

  /** A classpath resource {@code certs/NAME} as a file (the TLS builders read files). */
  private static Path resource(String name) {
    try (InputStream in = InteropTls.class.getResourceAsStream("/certs/" + name)) {
      if (in == null) {
        throw new IllegalStateException("certs/" + name + " is not on the classpath; build the "
            + "interop module with Maven, which unpacks it from io.grpc:grpc-testing");
      }
      Path file = Files.createTempFile("interop-" + name.replace('.', '-'), ".pem");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
