package io.conduit.protobuf.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The module's public signatures name only Conduit's exported API, protobuf, common-protos'
 * {@code com.google.rpc} and the JDK: never the runtime's internals.
 */
class ModuleBoundaryTest {
  private static final List<String> ALLOWED = List.of("java.", "io.conduit.Metadata",
      "io.conduit.Status", "io.conduit.StatusException", "com.google.protobuf.", "com.google.rpc.");

  @Test
  void publicSignaturesNameOnlyApiTypes() {
    List<String> leaks = new ArrayList<>();
    for (Method m : StatusProto.class.getDeclaredMethods()) {
      if (!Modifier.isPublic(m.getModifiers())) {
        continue;
      }
      List<Class<?>> named = new ArrayList<>(List.of(m.getParameterTypes()));
      named.add(m.getReturnType());
      for (Class<?> t : named) {
        Class<?> c = t.isArray() ? t.getComponentType() : t;
        if (!c.isPrimitive() && ALLOWED.stream().noneMatch(c.getName()::startsWith)) {
          leaks.add(m.getName() + " names " + c.getName());
        }
      }
    }
    assertThat(leaks).isEmpty();
  }
}
