package io.conduit.compiler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides how the generated file spells each type it uses: by its simple name (imported, or from
 * the same package or {@code java.lang}) when that is unambiguous, fully qualified otherwise.
 *
 * <p>Used in two passes: the generator first renders the file while {@link #use} records every
 * type, then {@link #resolve} fixes the spellings and the second rendering uses them. A simple
 * name is never used when it is one of the file's own class names, when two used types share it,
 * or (for {@code java.lang} types) when a type of the file's package shadows it.
 */
final class TypeNames {

  /** A type: its package, its top-level class and the path of nested classes ({@code ""} or {@code ".A.B"}). */
  record Ref(String pkg, String topLevel, String nested) {
    static Ref of(String pkg, String topLevel) {
      return new Ref(pkg, topLevel, "");
    }

    String qualifiedTopLevel() {
      return pkg.isEmpty() ? topLevel : pkg + "." + topLevel;
    }

    String qualified() {
      return qualifiedTopLevel() + nested;
    }
  }

  private final String filePackage;
  private final Set<String> ownNames;
  private final Set<String> samePackageNames;
  private final Map<String, Set<String>> usedBySimpleName = new TreeMap<>();
  private final Map<String, Ref> topLevelRefs = new HashMap<>();
  private Map<String, Boolean> simple;

  /**
   * @param filePackage the generated file's package
   * @param ownNames the file's own class names (its top-level class and nested classes)
   * @param samePackageNames top-level classes known to exist in {@code filePackage}
   */
  TypeNames(String filePackage, Set<String> ownNames, Set<String> samePackageNames) {
    this.filePackage = filePackage;
    this.ownNames = ownNames;
    this.samePackageNames = samePackageNames;
  }

  /** How to write {@code ref} here; records it while resolving. */
  String use(Ref ref) {
    if (simple == null) {
      usedBySimpleName.computeIfAbsent(ref.topLevel(), k -> new TreeSet<>()).add(ref.qualifiedTopLevel());
      topLevelRefs.put(ref.qualifiedTopLevel(), Ref.of(ref.pkg(), ref.topLevel()));
      return ref.qualified();
    }
    Boolean isSimple = simple.get(ref.qualifiedTopLevel());
    if (isSimple == null) {
      throw new IllegalStateException("type not recorded in the first pass: " + ref.qualified());
    }
    return isSimple ? ref.topLevel() + ref.nested() : ref.qualified();
  }

  /** Ends the recording pass. */
  void resolve() {
    Map<String, Boolean> result = new HashMap<>();
    for (Map.Entry<String, Set<String>> e : usedBySimpleName.entrySet()) {
      String name = e.getKey();
      String chosen = null;
      if (!ownNames.contains(name)) {
        for (String q : e.getValue()) {
          Ref r = topLevelRefs.get(q);
          if (r.pkg().equals(filePackage)) {
            chosen = q; // same package, no import needed; it shadows java.lang too
          }
        }
        if (chosen == null) {
          for (String q : e.getValue()) {
            if (topLevelRefs.get(q).pkg().equals("java.lang") && !samePackageNames.contains(name)) {
              chosen = q;
            }
          }
        }
        if (chosen == null) {
          for (String q : e.getValue()) {
            Ref r = topLevelRefs.get(q);
            if (!r.pkg().equals("java.lang") && !r.pkg().isEmpty()) {
              chosen = q; // the first in sorted order gets the import
              break;
            }
          }
        }
      }
      for (String q : e.getValue()) {
        result.put(q, q.equals(chosen));
      }
    }
    simple = result;
  }

  /** The import lines, sorted. */
  List<String> imports() {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Boolean> e : new TreeMap<>(simple).entrySet()) {
      Ref r = topLevelRefs.get(e.getKey());
      if (e.getValue() && !r.pkg().equals(filePackage) && !r.pkg().equals("java.lang")) {
        out.add(r.qualifiedTopLevel());
      }
    }
    return out;
  }
}
