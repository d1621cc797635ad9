package io.conduit.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JavaNamesTest {

  @Test
  void lowerCamel() {
    assertThat(JavaNames.lowerCamel("SayHello")).isEqualTo("sayHello");
    assertThat(JavaNames.lowerCamel("sayHello")).isEqualTo("sayHello");
    assertThat(JavaNames.lowerCamel("get_foo")).isEqualTo("getFoo");
    assertThat(JavaNames.lowerCamel("GetFoo")).isEqualTo("getFoo");
    assertThat(JavaNames.lowerCamel("HTTPGet")).isEqualTo("httpGet");
    assertThat(JavaNames.lowerCamel("URL")).isEqualTo("url");
    assertThat(JavaNames.lowerCamel("GetURL")).isEqualTo("getURL");
    assertThat(JavaNames.lowerCamel("get_URL")).isEqualTo("getUrl");
    assertThat(JavaNames.lowerCamel("SERVICE_NAME")).isEqualTo("serviceName");
    assertThat(JavaNames.lowerCamel("_leading")).isEqualTo("leading");
    assertThat(JavaNames.lowerCamel("get2_things")).isEqualTo("get2Things");
    assertThat(JavaNames.lowerCamel("A")).isEqualTo("a");
    assertThat(JavaNames.lowerCamel("class")).isEqualTo("class");
  }

  @Test
  void upperCamel() {
    assertThat(JavaNames.upperCamel("Greeter")).isEqualTo("Greeter");
    assertThat(JavaNames.upperCamel("greeter")).isEqualTo("Greeter");
    assertThat(JavaNames.upperCamel("route_guide")).isEqualTo("RouteGuide");
    assertThat(JavaNames.upperCamel("HTTPProxy")).isEqualTo("HTTPProxy");
  }

  @Test
  void constant() {
    assertThat(JavaNames.constant("SayHello")).isEqualTo("SAY_HELLO");
    assertThat(JavaNames.constant("sayHello")).isEqualTo("SAY_HELLO");
    assertThat(JavaNames.constant("get_foo")).isEqualTo("GET_FOO");
    assertThat(JavaNames.constant("HTTPGet")).isEqualTo("HTTP_GET");
    assertThat(JavaNames.constant("GetURL")).isEqualTo("GET_URL");
    assertThat(JavaNames.constant("Get2Things")).isEqualTo("GET2_THINGS");
    assertThat(JavaNames.constant("SERVICE_NAME")).isEqualTo("SERVICE_NAME");
    assertThat(JavaNames.constant("__x__")).isEqualTo("X");
  }

  @Test
  void quote() {
    assertThat(JavaNames.quote("a.B/C")).isEqualTo("\"a.B/C\"");
    assertThat(JavaNames.quote("q\"b\\n\n\u00e9")).isEqualTo("\"q\\\"b\\\\n\\n\\u00e9\"");
  }
}
