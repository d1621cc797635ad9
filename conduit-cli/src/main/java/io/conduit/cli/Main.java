package io.conduit.cli;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.GenericDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import io.conduit.CallOptions;
import io.conduit.Channel;
import io.conduit.ChannelTls;
import io.conduit.ClientInterceptor;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.Status;
import io.conduit.StatusException;
import io.conduit.health.Health;
import io.conduit.health.HealthStatus;
import io.conduit.stub.ClientCalls;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The {@code conduit} command: {@code list}, {@code describe}, {@code call}, {@code health} and
 * {@code channelz}
 * against any gRPC server. Exit codes: 0 on success, 64 + the status code when the server (or the
 * call) fails with a status (CANCELLED 65 ... UNAUTHENTICATED 80), 2 for bad input, 1 for other
 * local failures (an unreadable file, say).
 */
public final class Main {
  static final int BAD_INPUT = 2;
  static final int LOCAL_FAILURE = 1;
  static final int STATUS_BASE = 64;

  static final String USAGE = """
      Usage: conduit COMMAND HOST:PORT [ARGS] [FLAGS]
        list HOST:PORT [SERVICE]             the services, or one service's methods
        describe HOST:PORT [SYMBOL]          a service, method, message or enum as .proto source
        call HOST:PORT pkg.Service/Method    call it: -d '{"json": "request"}'; client and
                                             bidi streaming (or -d @) read JSON values from stdin
        health HOST:PORT [SERVICE]           grpc.health.v1 Check: SERVING exits 0
        channelz HOST:PORT [servers|channels] the server's channelz: tables of servers and channels;
                 subchannels [CHANNEL_ID]    a channel's (or every channel's) subchannels;
                 sockets [SERVER_ID]         a server's (or every server's and subchannel's)
                                             sockets: streams, messages, keepalives, TLS;
                 [server|channel|subchannel|socket ID]  one of them as JSON
      Flags:
        --plaintext                          no TLS (default: TLS with the system's CAs)
        --cacert FILE  --cert FILE --key FILE  --authority NAME
        -H 'name: value'                     request metadata (repeatable)
        -d JSON | -d @                       request(s); @ reads them from stdin
        --deadline 5s                        for the whole command (also ms, m)
        --protoset FILE                      schema from a FileDescriptorSet instead of reflection
        -v                                   print response headers and trailers (stderr)
      Exit code: 0 OK, 64+code for a status (e.g. 69 NOT_FOUND, 78 UNIMPLEMENTED), 2 bad input.""";

  private Main() {}

  public static void main(String[] args) {
    int exit = run(args, System.in, System.out, System.err);
    System.out.flush();
    IoThreads.stop();
    System.exit(exit);
  }

  /** Runs the command with these streams (for tests and embedding); returns the exit code. */
  public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (UsageException e) {
      err.println("conduit: " + e.getMessage());
      err.println(USAGE);
      return BAD_INPUT;
    }
    if (options.help || options.positional.isEmpty()) {
      (options.help ? out : err).println(USAGE);
      return options.help ? 0 : BAD_INPUT;
    }
    List<String> words = options.positional;
    String command = words.get(0);
    try {
      if (words.size() < 2) {
        throw new UsageException(command + " needs HOST:PORT");
      }
      try (Channel channel = channel(words.get(1), options)) {
        CallOptions callOptions = options.deadline == null
            ? CallOptions.DEFAULT
            : CallOptions.DEFAULT.withDeadline(Deadline.after(options.deadline));
        List<String> rest = words.subList(2, words.size());
        return switch (command) {
          case "list" -> list(channel, callOptions, options, rest, out);
          case "describe" -> describe(channel, callOptions, options, rest, out);
          case "call" -> call(channel, callOptions, options, rest, in, out, err);
          case "health" -> health(channel, callOptions, rest, out, err);
          case "channelz" -> ChannelzView.show(source(channel, callOptions, options), channel,
              callOptions, rest, out, err, options.verbose);
          default -> throw new UsageException("unknown command " + command);
        };
      }
    } catch (UsageException e) {
      err.println("conduit: " + e.getMessage());
      return BAD_INPUT;
    } catch (StatusException e) {
      return failed(e.status(), err);
    } catch (UncheckedIOException e) {
      err.println("conduit: " + e.getMessage());
      return LOCAL_FAILURE;
    }
  }

  static int failed(Status status, PrintStream err) {
    err.println("conduit: " + status.code() + (status.description() == null ? "" : ": " + status.description()));
    return STATUS_BASE + status.code().value();
  }

  static Channel channel(String target, Options options) {
    Channel.Builder builder = Channel.builder(target);
    if (options.plaintext) {
      builder.plaintext();
    } else if (options.cacert == null && options.cert == null) {
      builder.tls();
    } else {
      ChannelTls.Builder tls = ChannelTls.builder();
      if (options.cacert != null) {
        tls.trustPem(options.cacert);
      }
      if (options.cert != null) {
        tls.keyPair(options.cert, options.key);
      }
      builder.tls(tls.build());
    }
    if (options.authority != null) {
      builder.authority(options.authority);
    }
    if (!options.headers.isEmpty()) {
      Metadata headers = new Metadata();
      for (String[] h : options.headers) {
        try {
          headers.add(h[0], h[1]);
        } catch (IllegalArgumentException e) {
          String hint = h[0].equals("grpc-timeout") ? " (use --deadline)" : "";
          throw new UsageException("-H " + h[0] + ": " + e.getMessage() + hint);
        }
      }
      builder.intercept(ClientInterceptor.attachHeaders(headers));
    }
    return builder.build();
  }

  static DescriptorSource source(Channel channel, CallOptions callOptions, Options options) {
    return options.protosets.isEmpty()
        ? new ReflectionSource(channel, callOptions)
        : new ProtosetSource(options.protosets);
  }

  private static int list(Channel channel, CallOptions callOptions, Options options, List<String> rest,
      PrintStream out) {
    try (DescriptorSource source = source(channel, callOptions, options)) {
      if (rest.isEmpty()) {
        source.listServices().forEach(out::println);
      } else {
        for (MethodDescriptor m : service(source, rest.get(0)).getMethods()) {
          out.println(m.getFullName());
        }
      }
    }
    return 0;
  }

  private static int describe(Channel channel, CallOptions callOptions, Options options,
      List<String> rest, PrintStream out) {
    try (DescriptorSource source = source(channel, callOptions, options)) {
      List<String> symbols = rest.isEmpty() ? source.listServices() : rest;
      for (String symbol : symbols) {
        FileDescriptor file = source.fileContainingSymbol(symbol);
        GenericDescriptor found = file == null ? null : Symbols.find(file, symbol);
        if (found == null) {
          if (rest.isEmpty()) {
            out.println(symbol + " is a service without a schema the server shares");
            continue;
          }
          throw new UsageException("symbol " + symbol + " not found");
        }
        out.print(ProtoPrinter.describe(found));
      }
    }
    return 0;
  }

  private static ServiceDescriptor service(DescriptorSource source, String name) {
    FileDescriptor file = source.fileContainingSymbol(name);
    GenericDescriptor found = file == null ? null : Symbols.find(file, name);
    if (found instanceof ServiceDescriptor service) {
      return service;
    }
    List<String> services = source.listServices();
    if (services.contains(name)) {
      throw new UsageException("the server has service " + name + " but does not share its "
          + "schema; give it with --protoset FILE");
    }
    throw new UsageException("service " + name + " not found; the server has: "
        + String.join(", ", services));
  }

  private static int call(Channel channel, CallOptions callOptions, Options options, List<String> rest,
      InputStream in, PrintStream out, PrintStream err) {
    if (rest.size() != 1) {
      throw new UsageException("call wants one pkg.Service/Method");
    }
    String name = rest.get(0);
    int slash = name.lastIndexOf('/');
    int split = slash >= 0 ? slash : name.lastIndexOf('.');
    if (split <= 0 || split == name.length() - 1) {
      throw new UsageException("call wants pkg.Service/Method, not " + name);
    }
    String serviceName = name.substring(0, split);
    String methodName = name.substring(split + 1);
    try (DescriptorSource source = source(channel, callOptions, options)) {
      ServiceDescriptor service = service(source, serviceName);
      MethodDescriptor method = service.findMethodByName(methodName);
      if (method == null) {
        throw new UsageException("service " + serviceName + " has no method " + methodName
            + "; it has: " + service.getMethods().stream().map(MethodDescriptor::getName)
                .collect(Collectors.joining(", ")));
      }
      JsonMessages json = new JsonMessages(method.getFile());
      Iterator<DynamicMessage> requests = requests(options, method, json, in);
      Status status = DynamicCall.run(channel, callOptions, method, requests, m -> {
        out.println(json.print(m));
        out.flush();
      }, err, options.verbose);
      return status.isOk() ? 0 : failed(status, err);
    }
  }

  /**
   * The requests: from {@code -d}, all parsed before anything is sent; from stdin (with
   * {@code -d @}, or by default for client and bidi streaming), each parsed as it is read.
   */
  private static Iterator<DynamicMessage> requests(Options options, MethodDescriptor method,
      JsonMessages json, InputStream in) {
    boolean fromStdin = "@".equals(options.data)
        || (options.data == null && method.isClientStreaming());
    Iterator<String> values = fromStdin
        ? JsonMessages.values(new InputStreamReader(in, StandardCharsets.UTF_8))
        : JsonMessages.values(new StringReader(options.data == null ? "{}" : options.data));
    Iterator<DynamicMessage> parsed = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return values.hasNext();
      }

      @Override
      public DynamicMessage next() {
        return json.parse(values.next(), method.getInputType());
      }
    };
    if (fromStdin && method.isClientStreaming()) {
      return parsed;
    }
    List<DynamicMessage> all = new ArrayList<>();
    parsed.forEachRemaining(all::add);
    if (!method.isClientStreaming() && all.size() != 1) {
      throw new UsageException(method.getFullName() + " takes one request, not " + all.size());
    }
    return all.iterator();
  }

  private static int health(Channel channel, CallOptions callOptions, List<String> rest,
      PrintStream out, PrintStream err) {
    String service = rest.isEmpty() ? "" : rest.get(0);
    Health.Response response = ClientCalls.blockingUnary(channel, Health.CHECK, callOptions,
        new Health.Request(service));
    out.println(response.status());
    if (response.status() == HealthStatus.SERVING) {
      return 0;
    }
    err.println("conduit: " + (service.isEmpty() ? "the server" : service) + " is " + response.status());
    return LOCAL_FAILURE;
  }
}
