package io.conduit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exported packages' signatures name only JDK types ({@code java.*} modules), types of the
 * exported packages, and protobuf's in {@code io.conduit.protobuf}: never an internal type, a
 * Netty type or any other library's. Every class reachable from outside is checked: its
 * superclass, interfaces and type-parameter bounds, and its public and protected constructors,
 * methods, fields and record components, generic arguments included.
 *
 * <p>javac's {@code exports} lint catches most of this when the module compiles; this test also
 * catches what the lint lets through (a type of a {@code requires transitive} module in the
 * wrong package) and reads the compiled classes, whatever the compiler flags.
 */
class PublicApiTest {
  /** Library packages an exported package may name, besides the JDK's and Conduit's own. */
  private static final List<String> PROTOBUF = List.of("com.google.protobuf");

  /**
   * The no-argument fluent methods allowed: they pick one of several modes or values (not on/off)
   * rather than switch something on.
   */
  private static final Set<String> FLUENT_NO_ARG = Set.of("plaintext", "tls", "directExecutor");

  private static Set<String> exported;
  private static List<Class<?>> apiClasses;

  @BeforeAll
  static void loadExportedClasses() throws IOException {
    Path classes = ConduitModule.classes();
    ModuleDescriptor module = ModuleFinder.of(classes).find("io.conduit").orElseThrow().descriptor();
    // The qualified exports: what channelz reads from the transport, to the services module
    // alone, and what the xDS module builds on (JSON, backoff, the built-in balancers), to it
    // alone. They are no API, so their signatures are not checked here.
    assertThat(module.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
        .map(e -> e.source() + " to " + e.targets()))
        .containsExactlyInAnyOrder("io.conduit.internal.channelz to [io.conduit.services]",
            "io.conduit.internal to [io.conduit.xds]",
            "io.conduit.internal.balancer to [io.conduit.xds]");
    exported = module.exports().stream()
        .filter(e -> !e.isQualified())
        .map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(exported).contains("io.conduit").noneMatch(p -> p.contains(".internal"));
    apiClasses = new ArrayList<>();
    for (String pkg : exported) {
      try (Stream<Path> files = Files.list(classes.resolve(pkg.replace('.', '/')))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
          String simple = file.getFileName().toString().replaceAll("\\.class$", "");
          Class<?> c = load(pkg + "." + simple);
          if (isReachable(c)) {
            apiClasses.add(c);
          }
        }
      }
    }
    assertThat(apiClasses).contains(Channel.class, Server.class, Channel.Builder.class);
  }

  @Test
  void exportedSignaturesNameNoInternalOrForeignType() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : apiClasses) {
      new SignatureCheck(c, leaks).run();
    }
    assertThat(leaks).as("public signatures naming types outside the API").isEmpty();
  }

  /**
   * One naming style across the API: a type with a nested {@code Builder} is built through a
   * static {@code builder(...)} (never {@code newBuilder}); an on/off switch is one method taking
   * a boolean ({@code keepAliveWithoutCalls(true)}), never a no-argument {@code enableX} /
   * {@code disableX} / {@code withoutX} (nor a {@code withX()} whose twin takes a boolean);
   * a builder that can choose TLS can also choose {@code plaintext()}.
   */
  @Test
  void everyBuilderAndSwitchFollowsOneNamingStyle() {
    // Not switches: once-only actions during a call, named as in grpc-java's observers.
    Set<String> actions = Set.of("disableAutoRequest");
    List<String> offenders = new ArrayList<>();
    for (Class<?> c : apiClasses) {
      for (Method m : c.getDeclaredMethods()) {
        if (!isVisible(m) || m.isBridge()) {
          continue;
        }
        String n = m.getName();
        if (n.equals("newBuilder")) {
          offenders.add(c.getName() + "." + n + ": use builder()");
        }
        boolean noArgs = m.getParameterCount() == 0;
        if (noArgs && !actions.contains(n) && n.matches("(enable|disable|without)[A-Z].*")) {
          offenders.add(c.getName() + "." + n + "(): take a boolean instead");
        }
        boolean fluent = !Modifier.isStatic(m.getModifiers()) && m.getReturnType() == c
            && (c.getSimpleName().equals("Builder") || n.matches("with[A-Z].*"));
        if (noArgs && fluent && !FLUENT_NO_ARG.contains(n)) {
          offenders.add(c.getName() + "." + n + "(): a fluent switch; take a boolean instead");
        }
        if (n.equals("tls") && m.getReturnType() == c && !hasNoArgMethod(c, "plaintext")) {
          offenders.add(c.getName() + ": has tls(...) but no plaintext()");
        }
      }
      boolean hasBuilder = Stream.of(c.getDeclaredClasses())
          .anyMatch(k -> k.getSimpleName().equals("Builder") && Modifier.isPublic(k.getModifiers()));
      boolean hasFactory = Stream.of(c.getDeclaredMethods())
          .anyMatch(m -> m.getName().equals("builder") && Modifier.isStatic(m.getModifiers()));
      if (hasBuilder && !hasFactory) {
        offenders.add(c.getName() + ": has a Builder but no static builder(...)");
      }
    }
    assertThat(offenders).as("names outside the API's one style").isEmpty();
  }

  private static boolean hasNoArgMethod(Class<?> c, String name) {
    return Stream.of(c.getMethods()).anyMatch(m -> m.getName().equals(name) && m.getParameterCount() == 0);
  }

  /** Public or protected, and so is every class it is nested in: code outside can name it. */
  private static boolean isReachable(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
      if (k.isAnonymousClass() || k.isLocalClass() || k.isSynthetic()
          || (k.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) == 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isVisible(Member m) {
    return !m.isSynthetic() && (m.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0;
  }

  private static Class<?> load(String name) {
    try {
      return Class.forName(name, false, PublicApiTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  /** Collects each type one class's visible signatures name that an API may not name. */
  private static final class SignatureCheck {
    private final Class<?> owner;
    private final List<String> leaks;
    private final List<String> allowedLibraries;

    SignatureCheck(Class<?> owner, List<String> leaks) {
      this.owner = owner;
      this.leaks = leaks;
      this.allowedLibraries =
          owner.getPackageName().equals("io.conduit.protobuf") ? PROTOBUF : List.of();
    }

    void run() {
      String name = owner.getName();
      check(name + " superclass", owner.getGenericSuperclass());
      for (Type t : owner.getGenericInterfaces()) {
        check(name + " interface", t);
      }
      checkBounds(name, owner.getTypeParameters());
      if (owner.isRecord()) {
        for (RecordComponent rc : owner.getRecordComponents()) {
          check(name + " record component " + rc.getName(), rc.getGenericType());
        }
      }
      for (Field f : owner.getDeclaredFields()) {
        if (isVisible(f)) {
          check(name + "." + f.getName(), f.getGenericType());
        }
      }
      for (Constructor<?> k : owner.getDeclaredConstructors()) {
        if (isVisible(k)) {
          checkExecutable(name + ".<init>", k);
        }
      }
      // Declared ones, and the public ones inherited from a superclass that is not itself API.
      Set<Method> methods = new java.util.LinkedHashSet<>(List.of(owner.getDeclaredMethods()));
      methods.addAll(List.of(owner.getMethods()));
      for (Method m : methods) {
        if (isVisible(m) && !m.isBridge()) {
          check(name + "." + m.getName() + " return", m.getGenericReturnType());
          checkExecutable(name + "." + m.getName(), m);
        }
      }
    }

    private void checkExecutable(String where, Executable e) {
      for (Type t : e.getGenericParameterTypes()) {
        check(where + " parameter", t);
      }
      for (Type t : e.getGenericExceptionTypes()) {
        check(where + " throws", t);
      }
      checkBounds(where, e.getTypeParameters());
    }

    private void checkBounds(String where, TypeVariable<?>[] variables) {
      for (TypeVariable<?> v : variables) {
        for (Type bound : v.getBounds()) {
          check(where + " <" + v.getName() + "> bound", bound);
        }
      }
    }

    /** Walks {@code type} down to its classes; type variables are checked where declared. */
    private void check(String where, Type type) {
      if (type == null || type instanceof TypeVariable<?>) {
        return;
      }
      if (type instanceof Class<?> c) {
        while (c.isArray()) {
          c = c.getComponentType();
        }
        if (!allowed(c)) {
          leaks.add(where + ": " + c.getName());
        }
      } else if (type instanceof ParameterizedType p) {
        check(where, p.getOwnerType());
        check(where, p.getRawType());
        for (Type arg : p.getActualTypeArguments()) {
          check(where + " type argument", arg);
        }
      } else if (type instanceof GenericArrayType a) {
        check(where, a.getGenericComponentType());
      } else if (type instanceof WildcardType w) {
        for (Type t : w.getUpperBounds()) {
          check(where, t);
        }
        for (Type t : w.getLowerBounds()) {
          check(where, t);
        }
      } else {
        throw new AssertionError("unknown kind of type " + type);
      }
    }

    private boolean allowed(Class<?> c) {
      if (c.isPrimitive()) {
        return true;
      }
      Module m = c.getModule();
      if (m.isNamed() && m.getName().startsWith("java.")) {
        return true;
      }
      String pkg = c.getPackageName();
      return exported.contains(pkg) && isReachable(c) || allowedLibraries.contains(pkg);
    }
  }
}
