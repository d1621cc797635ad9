package io.conduit.opentelemetry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.conduit.Status;
import io.opentelemetry.api.common.Attributes;
import org.junit.jupiter.api.Test;

class MethodAttributesTest {
  private final MethodAttributes.Cache cache =
      new MethodAttributes.Cache(name -> Attributes.of(Instruments.METHOD, name));

  @Test
  void aMethodsAttributesAreMadeOnceWithEachStatusAdded() {
    MethodAttributes m = cache.get("pkg.Svc/Call");
    assertThat(cache.get("pkg.Svc/Call")).isSameAs(m);
    assertThat(m.base()).isEqualTo(Attributes.of(Instruments.METHOD, "pkg.Svc/Call"));
    Attributes unavailable = m.withStatus(Status.Code.UNAVAILABLE);
    assertThat(unavailable).isEqualTo(Attributes.of(Instruments.METHOD, "pkg.Svc/Call",
        Instruments.STATUS, "UNAVAILABLE"));
    assertThat(m.withStatus(Status.Code.UNAVAILABLE)).isSameAs(unavailable);
    assertThat(m.withStatus(Status.Code.OK).get(Instruments.STATUS)).isEqualTo("OK");
  }

  @Test
  void pastTheBoundNamesAreMadePerCallNotKept() {
    for (int i = 0; i < MethodAttributes.Cache.MAX; i++) {
      cache.get("pkg.Svc/M" + i);
    }
    MethodAttributes late = cache.get("pkg.Svc/Late");
    assertThat(late.base().get(Instruments.METHOD)).isEqualTo("pkg.Svc/Late");
    assertThat(cache.get("pkg.Svc/Late")).isNotSameAs(late);
    assertThat(cache.get("pkg.Svc/M0")).isSameAs(cache.get("pkg.Svc/M0"));
  }
}
