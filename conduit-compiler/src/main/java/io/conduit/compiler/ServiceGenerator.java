package io.conduit.compiler;

import com.google.protobuf.DescriptorProtos.MethodOptions.IdempotencyLevel;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.GeneratorNames;
import io.conduit.compiler.SourceWriter.Doc;
import io.conduit.compiler.TypeNames.Ref;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Generates the Java source of one service's class ({@code GreeterRpc} for {@code Greeter}). */
final class ServiceGenerator {

  // The runtime types the generated code uses.
  private static final Ref CALL_FACTORY = Ref.of("io.conduit", "CallFactory");
  private static final Ref CALL_OPTIONS = Ref.of("io.conduit", "CallOptions");
  private static final Ref CLIENT_INTERCEPTOR = Ref.of("io.conduit", "ClientInterceptor");
  private static final Ref DEADLINE = Ref.of("io.conduit", "Deadline");
  private static final Ref METHOD_DESCRIPTOR = Ref.of("io.conduit", "MethodDescriptor");
  private static final Ref METHOD_TYPE = new Ref("io.conduit", "MethodDescriptor", ".Type");
  private static final Ref RPC_SERVICE = Ref.of("io.conduit", "RpcService");
  private static final Ref SERVICE_DEFINITION = Ref.of("io.conduit", "ServiceDefinition");
  private static final Ref STATUS = Ref.of("io.conduit", "Status");
  private static final Ref PROTO_MARSHALLER = Ref.of("io.conduit.protobuf", "ProtoMarshaller");
  private static final Ref BLOCKING_CALL = Ref.of("io.conduit.stub", "BlockingCall");
  private static final Ref BLOCKING_ITERATOR = Ref.of("io.conduit.stub", "BlockingIterator");
  private static final Ref CLIENT_CALLS = Ref.of("io.conduit.stub", "ClientCalls");
  private static final Ref SERVER_CALLS = Ref.of("io.conduit.stub", "ServerCalls");
  private static final Ref SERVER_STREAM_OBSERVER = Ref.of("io.conduit.stub", "ServerStreamObserver");
  private static final Ref STREAM_OBSERVER = Ref.of("io.conduit.stub", "StreamObserver");
  private static final Ref CLIENT_STREAM_OBSERVER = Ref.of("io.conduit.stub", "ClientStreamObserver");
  private static final Ref CALL_HANDLE = Ref.of("io.conduit.stub", "CallHandle");
  private static final Ref DURATION = Ref.of("java.time", "Duration");
  private static final Ref LIST = Ref.of("java.util", "List");
  private static final Ref OBJECTS = Ref.of("java.util", "Objects");
  private static final Ref COMPLETABLE_FUTURE = Ref.of("java.util.concurrent", "CompletableFuture");
  private static final Ref STRING = Ref.of("java.lang", "String");
  private static final Ref OVERRIDE = Ref.of("java.lang", "Override");
  private static final Ref DEPRECATED = Ref.of("java.lang", "Deprecated");
  private static final Ref SUPPRESS_WARNINGS = Ref.of("java.lang", "SuppressWarnings");

  static final String SERVICE = "Service";
  static final String BLOCKING_CLIENT = "BlockingClient";
  static final String ASYNC_CLIENT = "AsyncClient";

  /** Names the generated classes already use for their own members. */
  static final Set<String> MEMBER_NAMES = Set.of(
      "definition", "withOptions", "withDeadline", "withTimeout", "withWaitForReady",
      "withCompression", "withInterceptors", "withMetadata", "callOptions", "newBlockingClient",
      "newAsyncClient");

  private record Method(
      MethodDescriptor proto,
      String javaName,
      String constant,
      Ref request,
      Ref response,
      String type,
      String comment,
      boolean deprecated) {

    boolean clientStreaming() {
      return proto.isClientStreaming();
    }

    boolean serverStreaming() {
      return proto.isServerStreaming();
    }

    String fullName() {
      return proto.getService().getFullName() + "/" + proto.getName();
    }
  }

  private final ServiceDescriptor service;
  private final String javaPackage;
  private final String className;
  private final String comment;
  private final Set<String> samePackageNames;
  private final List<Method> methods = new ArrayList<>();
  private final boolean usesDeprecatedTypes;
  private TypeNames names;

  /**
   * @param samePackageNames the top-level classes known in {@code javaPackage}
   */
  ServiceGenerator(ServiceDescriptor service, String javaPackage, String className,
      Comments comments, Set<String> samePackageNames) {
    this.service = service;
    this.javaPackage = javaPackage;
    this.className = className;
    this.comment = comments.service(service.getIndex());
    this.samePackageNames = samePackageNames;
    Set<String> usedNames = new HashSet<>();
    Set<String> usedConstants = new HashSet<>();
    boolean deprecatedTypes = false;
    for (MethodDescriptor m : service.getMethods()) {
      String javaName = unique(reserve(JavaNames.lowerCamel(m.getName())), usedNames);
      String constant = JavaNames.constant(m.getName());
      if (constant.equals("SERVICE_NAME")) {
        constant += "_";
      }
      constant = unique(constant, usedConstants);
      String type = m.isClientStreaming()
          ? (m.isServerStreaming() ? "BIDI_STREAMING" : "CLIENT_STREAMING")
          : (m.isServerStreaming() ? "SERVER_STREAMING" : "UNARY");
      methods.add(new Method(m, javaName, constant, JavaTypes.ref(m.getInputType()),
          JavaTypes.ref(m.getOutputType()), type, comments.method(service.getIndex(), m.getIndex()),
          m.getOptions().getDeprecated()));
      deprecatedTypes |= JavaTypes.isDeprecated(m.getInputType())
          || JavaTypes.isDeprecated(m.getOutputType());
    }
    this.usesDeprecatedTypes = deprecatedTypes;
  }

  private static String reserve(String name) {
    if (JavaNames.KEYWORDS.contains(name) || JavaNames.OBJECT_METHODS.contains(name)
        || MEMBER_NAMES.contains(name)) {
      return name + "_";
    }
    return name;
  }

  private static String unique(String name, Set<String> used) {
    String result = name;
    for (int n = 2; !used.add(result); n++) {
      result = name + "_" + n;
    }
    return result;
  }

  /** The Java source of the class. */
  String generate() {
    Set<String> own = Set.of(className, SERVICE, BLOCKING_CLIENT, ASYNC_CLIENT);
    names = new TypeNames(javaPackage, own, samePackageNames);
    body(); // records the types used
    names.resolve();
    String body = body();

    StringBuilder out = new StringBuilder(body.length() + 1024);
    out.append("// Generated by conduit-compiler from ").append(service.getFile().getName())
        .append(". Do not edit.\n");
    if (!javaPackage.isEmpty()) {
      out.append("package ").append(javaPackage).append(";\n\n");
    }
    List<String> imports = names.imports();
    for (String i : imports) {
      out.append("import ").append(i).append(";\n");
    }
    if (!imports.isEmpty()) {
      out.append('\n');
    }
    return out.append(body).toString();
  }

  private String t(Ref ref) {
    return names.use(ref);
  }

  private String generic(Ref raw, Ref... args) {
    StringBuilder s = new StringBuilder(t(raw)).append('<');
    for (int i = 0; i < args.length; i++) {
      s.append(i == 0 ? "" : ", ").append(t(args[i]));
    }
    return s.append('>').toString();
  }

  private String body() {
    SourceWriter w = new SourceWriter();
    String serviceName = service.getFullName();

    Doc classDoc = new Doc()
        .paragraph("Conduit stubs for the {@code " + serviceName + "} service: its method "
            + "descriptors, a base class to implement it (" + link(SERVICE) + ") and clients to call it ("
            + link(BLOCKING_CLIENT) + ", " + link(ASYNC_CLIENT) + ").")
        .protoComment(comment);
    if (isDeprecated()) {
      classDoc.tag("@deprecated The service is marked deprecated in its .proto file.");
    }
    w.javadoc(classDoc.lines());
    if (isDeprecated()) {
      w.line("@" + t(DEPRECATED));
    }
    if (usesDeprecatedTypes) {
      w.line("@" + t(SUPPRESS_WARNINGS) + "(\"deprecation\")");
    }
    w.open("public final class " + className + " {");
    w.javadoc(List.of("The service's full name: {@value}."));
    w.line("public static final " + t(STRING) + " SERVICE_NAME = " + JavaNames.quote(serviceName) + ";");
    for (Method m : methods) {
      w.line();
      descriptorConstant(w, m);
    }
    w.line();
    w.line("private " + className + "() {}");
    w.line();
    factories(w);
    w.line();
    serviceClass(w);
    w.line();
    client(w, BLOCKING_CLIENT, true);
    w.line();
    client(w, ASYNC_CLIENT, false);
    w.close("}");
    return w.toString();
  }

  private boolean isDeprecated() {
    return service.getOptions().getDeprecated();
  }

  private static String link(String nested) {
    return "{@link " + nested + "}";
  }

  private void deprecation(SourceWriter w, Method m) {
    if (m.deprecated()) {
      w.line("@" + t(DEPRECATED));
    }
  }

  private static Doc deprecationTag(Doc doc, Method m) {
    return m.deprecated() ? doc.tag("@deprecated The method is marked deprecated in its .proto file.") : doc;
  }

  private void descriptorConstant(SourceWriter w, Method m) {
    String kind = switch (m.type()) {
      case "UNARY" -> "unary";
      case "SERVER_STREAMING" -> "server-streaming";
      case "CLIENT_STREAMING" -> "client-streaming";
      default -> "bidirectional-streaming";
    };
    Doc doc = new Doc().paragraph("The " + kind + " method {@code " + m.fullName() + "}.");
    w.javadoc(deprecationTag(doc, m).lines());
    deprecation(w, m);
    String type = generic(METHOD_DESCRIPTOR, m.request(), m.response());
    IdempotencyLevel level = m.proto().getOptions().getIdempotencyLevel();
    String requestMarshaller = t(PROTO_MARSHALLER) + ".of(" + t(m.request()) + ".getDefaultInstance())";
    String responseMarshaller = t(PROTO_MARSHALLER) + ".of(" + t(m.response()) + ".getDefaultInstance())";
    String methodType = t(METHOD_TYPE) + "." + m.type();
    w.line("public static final " + type + " " + m.constant() + " =");
    w.indent(2);
    // Built rather than made with MethodDescriptor.of: generated(true) lets telemetry report the
    // method's name (gRFC A66 counts methods it cannot trust as "other").
    w.line(t(METHOD_DESCRIPTOR) + ".<" + t(m.request()) + ", " + t(m.response()) + ">builder()");
    w.line("    .type(" + methodType + ")");
    w.line("    .fullMethodName(" + JavaNames.quote(m.fullName()) + ")");
    w.line("    .requestMarshaller(" + requestMarshaller + ")");
    w.line("    .responseMarshaller(" + responseMarshaller + ")");
    if (level != IdempotencyLevel.IDEMPOTENCY_UNKNOWN) {
      w.line("    .idempotent(true)");
    }
    if (level == IdempotencyLevel.NO_SIDE_EFFECTS) {
      w.line("    .safe(true)");
    }
    w.line("    .generated(true)");
    w.line("    .build();");
    w.indent(-2);
  }

  private void factories(SourceWriter w) {
    String factory = t(CALL_FACTORY);
    w.javadoc(new Doc().paragraph("A client whose methods wait for the outcome on the calling "
        + "thread (a virtual thread is fine). {@code channel} is usually a "
        + "{@link io.conduit.Channel}.").lines());
    w.open("public static " + BLOCKING_CLIENT + " newBlockingClient(" + factory + " channel) {");
    w.call("return new " + BLOCKING_CLIENT,
        List.of(t(OBJECTS) + ".requireNonNull(channel, \"channel\")", t(CALL_OPTIONS) + ".DEFAULT", "null"),
        ";");
    w.close("}");
    w.line();
    w.javadoc(new Doc().paragraph("A client whose methods return at once: futures for unary "
        + "calls, observers for streams. {@code channel} is usually a {@link io.conduit.Channel}.")
        .lines());
    w.open("public static " + ASYNC_CLIENT + " newAsyncClient(" + factory + " channel) {");
    w.call("return new " + ASYNC_CLIENT,
        List.of(t(OBJECTS) + ".requireNonNull(channel, \"channel\")", t(CALL_OPTIONS) + ".DEFAULT", "null"),
        ";");
    w.close("}");
  }

  private void serviceClass(SourceWriter w) {
    w.javadoc(new Doc()
        .paragraph("The base class of an implementation of {@code " + service.getFullName()
            + "}: override the methods the service supports, the others fail with UNIMPLEMENTED. "
            + "Register it with {@code Server.builder().service(...)}.")
        .paragraph("Methods run on the server's handler executor and may block. Failing with a "
            + "{@link io.conduit.StatusException} (thrown, or passed to {@code onError}) sends its "
            + "status; any other exception sends UNKNOWN.")
        .lines());
    w.open("public abstract static class " + SERVICE + " implements " + t(RPC_SERVICE) + " {");
    w.javadoc(List.of("For subclasses."));
    w.line("protected " + SERVICE + "() {}");
    for (Method m : methods) {
      w.line();
      String kind = switch (m.type()) {
        case "UNARY" -> "The unary method {@code " + m.fullName() + "}: answer with one "
            + "{@code onNext} and {@code onCompleted}, or with {@code onError}.";
        case "SERVER_STREAMING" -> "The server-streaming method {@code " + m.fullName()
            + "}: send any number of {@code onNext}, then {@code onCompleted} or {@code onError}.";
        case "CLIENT_STREAMING" -> "The client-streaming method {@code " + m.fullName()
            + "}: return the observer that receives the requests; answer with one {@code onNext} "
            + "and {@code onCompleted}, or with {@code onError}.";
        default -> "The bidirectional-streaming method {@code " + m.fullName()
            + "}: return the observer that receives the requests; send responses at any time.";
      };
      Doc doc = new Doc().protoComment(m.comment()).paragraph(kind);
      w.javadoc(deprecationTag(doc, m).lines());
      deprecation(w, m);
      String observer = generic(SERVER_STREAM_OBSERVER, m.response()) + " responseObserver";
      if (m.clientStreaming()) {
        w.openCall("public " + generic(STREAM_OBSERVER, m.request()) + " " + m.javaName(),
            List.of(observer), " {");
      } else {
        w.openCall("public void " + m.javaName(),
            List.of(t(m.request()) + " request", observer), " {");
      }
      w.line("throw " + t(STATUS) + ".UNIMPLEMENTED");
      w.line("    .withDescription(" + JavaNames.quote("Method " + m.fullName() + " is unimplemented") + ")");
      w.line("    .asException();");
      w.close("}");
    }
    w.line();
    w.javadoc(List.of("The service's methods, served by this object's overrides, and its schema "
        + "(for server reflection)."));
    w.line("@" + t(OVERRIDE));
    w.open("public " + t(SERVICE_DEFINITION) + " definition() {");
    w.line("return " + t(SERVICE_DEFINITION) + ".builder(SERVICE_NAME)");
    w.indent(2);
    // The descriptor of the file's outer class: what grpc-java's descriptor suppliers carry.
    w.line(".schemaDescriptor(" + t(fileClass()) + ".getDescriptor().findServiceByName("
        + JavaNames.quote(service.getName()) + "))");
    for (Method m : methods) {
      String adapter = switch (m.type()) {
        case "UNARY" -> "unary";
        case "SERVER_STREAMING" -> "serverStreaming";
        case "CLIENT_STREAMING" -> "clientStreaming";
        default -> "bidiStreaming";
      };
      w.call(".method", List.of(m.constant(),
          t(SERVER_CALLS) + "." + adapter + "(this::" + m.javaName() + ")"), "");
    }
    w.line(".build();");
    w.indent(-2);
    w.close("}");
    w.close("}");
  }

  /** The class protoc's Java generator makes for the service's file, with its descriptor. */
  private Ref fileClass() {
    FileDescriptor file = service.getFile();
    return Ref.of(JavaTypes.javaPackage(file), GeneratorNames.getFileClassName(file));
  }

  private void client(SourceWriter w, String name, boolean blocking) {
    String serviceName = service.getFullName();
    w.javadoc(new Doc().paragraph(blocking
            ? "A client of {@code " + serviceName + "} whose methods wait on the calling thread. "
                + "Failures throw {@link io.conduit.StatusException}."
            : "A client of {@code " + serviceName + "} whose methods return at once.")
        .paragraph("Immutable and thread-safe: the {@code with} methods return a new client that "
            + "shares the channel, so a configured client can be kept and shared.")
        .lines());
    w.open("public static final class " + name + " {");
    String factory = t(CALL_FACTORY);
    String options = t(CALL_OPTIONS);
    String duration = t(DURATION);
    String objects = t(OBJECTS);
    w.line("private final " + factory + " channel;");
    w.line("private final " + options + " options;");
    w.line("private final " + duration + " timeout;");
    w.line();
    w.openCall("private " + name,
        List.of(factory + " channel", options + " options", duration + " timeout"), " {");
    w.line("this.channel = channel;");
    w.line("this.options = options;");
    w.line("this.timeout = timeout;");
    w.close("}");
    w.line();
    w.javadoc(new Doc().paragraph("This client with {@code options} for its calls, replacing the "
        + "options and the deadline set before.").lines());
    w.open("public " + name + " withOptions(" + options + " options) {");
    w.line("return new " + name + "(channel, " + objects + ".requireNonNull(options, \"options\"), null);");
    w.close("}");
    w.line();
    w.javadoc(new Doc().paragraph("This client with a deadline {@code timeout} after the start of "
        + "each call, replacing the deadline set before. Calls that miss it fail with "
        + "DEADLINE_EXCEEDED.").lines());
    w.open("public " + name + " withDeadline(" + duration + " timeout) {");
    w.line(objects + ".requireNonNull(timeout, \"timeout\");");
    w.line("return new " + name + "(channel, options.withDeadline(null), timeout);");
    w.close("}");
    w.line();
    w.javadoc(new Doc().paragraph("This client with {@code deadline} for all its calls, replacing "
        + "the deadline set before.").lines());
    w.open("public " + name + " withDeadline(" + t(DEADLINE) + " deadline) {");
    w.line(objects + ".requireNonNull(deadline, \"deadline\");");
    w.line("return new " + name + "(channel, options.withDeadline(deadline), null);");
    w.close("}");
    w.line();
    w.javadoc(new Doc().paragraph("This client with calls that, when {@code enabled}, wait for a "
        + "ready connection instead of failing fast (the default).").lines());
    w.open("public " + name + " withWaitForReady(boolean enabled) {");
    w.line("return new " + name + "(channel, options.withWaitForReady(enabled), timeout);");
    w.close("}");
    w.line();
    w.javadoc(new Doc().paragraph("This client compressing its request messages with "
        + "{@code compressorName}, such as {@code \"gzip\"}.").lines());
    w.open("public " + name + " withCompression(" + t(STRING) + " compressorName) {");
    w.line(objects + ".requireNonNull(compressorName, \"compressorName\");");
    w.line("return new " + name + "(channel, options.withCompression(compressorName), timeout);");
    w.close("}");
    w.line();
    w.javadoc(new Doc().paragraph("This client with its calls passing through "
        + "{@code interceptors}: the first sees each call first, and interceptors added by a "
        + "later {@code withInterceptors} see it before these.").lines());
    w.open("public " + name + " withInterceptors(" + t(CLIENT_INTERCEPTOR) + "... interceptors) {");
    w.line(factory + " intercepted = " + t(CLIENT_INTERCEPTOR) + ".intercept(channel, " + t(LIST)
        + ".of(interceptors));");
    w.line("return new " + name + "(intercepted, options, timeout);");
    w.close("}");
    w.line();
    w.open("private " + options + " callOptions() {");
    w.line("return timeout == null ? options : options.withDeadline(" + t(DEADLINE)
        + ".after(timeout));");
    w.close("}");
    for (Method m : methods) {
      w.line();
      if (blocking) {
        blockingMethod(w, m);
      } else {
        asyncMethod(w, m);
      }
    }
    w.close("}");
  }

  private void blockingMethod(SourceWriter w, Method m) {
    String calls = t(CLIENT_CALLS);
    Doc doc = new Doc().protoComment(m.comment());
    String call = "{@code " + m.fullName() + "}";
    switch (m.type()) {
      case "UNARY" -> doc.paragraph("Calls " + call + " and returns the response.");
      case "SERVER_STREAMING" -> doc.paragraph("Calls " + call + "; the iterator returns the "
          + "responses as they arrive. Close it to cancel the call early.");
      case "CLIENT_STREAMING" -> doc.paragraph("Starts " + call + ": {@code send} the requests, "
          + "then {@code finish()} returns the response.");
      default -> doc.paragraph("Starts " + call + ": {@code send} requests and {@code read} "
          + "responses, from one thread or two. Close it to cancel the call early.");
    }
    w.javadoc(deprecationTag(doc, m).lines());
    deprecation(w, m);
    switch (m.type()) {
      case "UNARY" -> {
        w.openCall("public " + t(m.response()) + " " + m.javaName(),
            List.of(t(m.request()) + " request"), " {");
        w.call("return " + calls + ".blockingUnary",
            List.of("channel", m.constant(), "callOptions()", "request"), ";");
      }
      case "SERVER_STREAMING" -> {
        w.openCall("public " + generic(BLOCKING_ITERATOR, m.response()) + " " + m.javaName(),
            List.of(t(m.request()) + " request"), " {");
        w.call("return " + calls + ".blockingServerStreaming",
            List.of("channel", m.constant(), "callOptions()", "request"), ";");
      }
      default -> {
        w.openCall("public " + generic(BLOCKING_CALL, m.request(), m.response()) + " " + m.javaName(),
            List.of(), " {");
        w.call("return " + calls + ".blockingStreaming",
            List.of("channel", m.constant(), "callOptions()"), ";");
      }
    }
    w.close("}");
  }

  private void asyncMethod(SourceWriter w, Method m) {
    String calls = t(CLIENT_CALLS);
    Doc doc = new Doc().protoComment(m.comment());
    String call = "{@code " + m.fullName() + "}";
    switch (m.type()) {
      case "UNARY" -> doc.paragraph("Calls " + call + "; the future completes with the response or "
          + "fails with a {@link io.conduit.StatusException}. Cancelling it cancels the call.");
      case "SERVER_STREAMING" -> doc.paragraph("Calls " + call + "; the responses and the outcome "
          + "go to {@code responseObserver}. The returned handle cancels the call.");
      case "CLIENT_STREAMING" -> doc.paragraph("Starts " + call + ": send the requests to the "
          + "returned observer (which offers isReady, an on-ready handler and cancel); the "
          + "response and the outcome go to {@code responseObserver}.");
      default -> doc.paragraph("Starts " + call + ": send requests to the returned observer "
          + "(which offers isReady, an on-ready handler and cancel); the responses and the "
          + "outcome go to {@code responseObserver}.");
    }
    w.javadoc(deprecationTag(doc, m).lines());
    deprecation(w, m);
    String observer = generic(STREAM_OBSERVER, m.response()) + " responseObserver";
    switch (m.type()) {
      case "UNARY" -> {
        w.openCall("public " + generic(COMPLETABLE_FUTURE, m.response()) + " " + m.javaName(),
            List.of(t(m.request()) + " request"), " {");
        w.call("return " + calls + ".futureUnary",
            List.of("channel", m.constant(), "callOptions()", "request"), ";");
      }
      case "SERVER_STREAMING" -> {
        w.openCall("public " + t(CALL_HANDLE) + " " + m.javaName(),
            List.of(t(m.request()) + " request", observer), " {");
        w.call("return " + calls + ".asyncServerStreaming",
            List.of("channel", m.constant(), "callOptions()", "request", "responseObserver"), ";");
      }
      default -> {
        w.openCall("public " + generic(CLIENT_STREAM_OBSERVER, m.request()) + " " + m.javaName(),
            List.of(observer), " {");
        String helper = m.type().equals("CLIENT_STREAMING") ? "asyncClientStreaming" : "asyncBidiStreaming";
        w.call("return " + calls + "." + helper,
            List.of("channel", m.constant(), "callOptions()", "responseObserver"), ";");
      }
    }
    w.close("}");
  }
}
