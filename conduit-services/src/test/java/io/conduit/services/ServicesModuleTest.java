package io.conduit.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.services.admin.Admin;
import io.conduit.services.reflection.Reflection;
import io.conduit.services.reflection.ReflectionClient;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The module's boundary: it exports its API packages only, and no public signature there names
 * an internal type (such as the generated reflection messages).
 */
class ServicesModuleTest {
  private static final List<Class<?>> API = List.of(Reflection.class, ReflectionClient.class, Admin.class,
      io.conduit.services.channelz.Channelz.class);

  @Test
  void exportsTheApiPackagesOnly() throws URISyntaxException {
    Path classes = Path.of(Reflection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor module = ModuleFinder.of(classes).find("io.conduit.services").orElseThrow().descriptor();
    assertThat(module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("io.conduit.services.admin", "io.conduit.services.channelz",
            "io.conduit.services.reflection");
    assertThat(module.exports()).allSatisfy(e -> assertThat(e.isQualified()).isFalse());
  }

  @Test
  void publicSignaturesNameNoInternalType() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> type : API) {
      for (Method m : type.getDeclaredMethods()) {
        if (!Modifier.isPublic(m.getModifiers())) {
          continue;
        }
        List<Class<?>> named = new ArrayList<>(List.of(m.getParameterTypes()));
        named.add(m.getReturnType());
        for (Class<?> t : named) {
          if (t.getName().startsWith("io.conduit.services.internal")) {
            leaks.add(type.getSimpleName() + "." + m.getName() + " names " + t.getName());
          }
        }
      }
    }
    assertThat(leaks).isEmpty();
  }
}
