package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Messages as Go's json.Decoder gives them (the left column was observed on etcd 3.4.23's gateway). */
class GoJsonScannerTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void syntaxErrorsCarryGosMessages() {
    Map<String, String> cases = Map.ofEntries(
        Map.entry("{\"key\":", "unexpected EOF"),
        Map.entry("{\"key\":\"Zm9v", "unexpected EOF"),
        Map.entry("{\"key\":\"Zm9v\"", "unexpected EOF"),
        Map.entry("tru", "unexpected EOF"),
        Map.entry("xyz", "invalid character 'x' looking for beginning of value"),
        Map.entry("{\"key\" \"Zm9v\"}", "invalid character '\"' after object key"),
        Map.entry("{\"key\":\"Zm9v\",}", "invalid character '}' looking for beginning of object key string"),
        Map.entry("{\"a\":1 \"b\":2}", "invalid character '\"' after object key:value pair"),
        Map.entry("[1 2]", "invalid character '2' after array element"),
        Map.entry("{'a':1}", "invalid character '\\'' looking for beginning of object key string"),
        Map.entry("{\"a\":\"\u0001\"}", "invalid character '\\x01' in string literal"),
        Map.entry("{\"a\":\"\\q\"}", "invalid character 'q' in string escape code"),
        Map.entry("{\"a\":\"\\u12g4\"}", "invalid character 'g' in \\u hexadecimal character escape"),
        Map.entry("{\"a\":-x}", "invalid character 'x' in numeric literal"),
        Map.entry("{\"a\":1.x}", "invalid character 'x' after decimal point in numeric literal"),
        Map.entry("{\"a\":1ex}", "invalid character 'x' in exponent of numeric literal"),
        Map.entry("{\"a\":nul}", "invalid character '}' in literal null (expecting 'l')"),
        Map.entry("{\"a\":trux}", "invalid character 'x' in literal true (expecting 'e')"),
        Map.entry("{\"a\":fals}", "invalid character '}' in literal false (expecting 'e')"),
        Map.entry("{\"a\":NaN}", "invalid character 'N' looking for beginning of value"),
        Map.entry("\t\n{\"a\":\n}", "invalid character '}' looking for beginning of value"),
        Map.entry("<", "invalid character '<' looking for beginning of value"),
        Map.entry("\\", "invalid character '\\\\' looking for beginning of value"));
    cases.forEach((body, message) -> assertThatThrownBy(() -> GoJsonScanner.firstValue(utf8(body)))
        .as(body).isInstanceOf(JsonCodec.BadJsonException.class).hasMessage(message));
    assertThatThrownBy(() -> GoJsonScanner.firstValue(new byte[] {(byte) 0xc3}))
        .hasMessage("invalid character '\u00c3' looking for beginning of value");
    assertThatThrownBy(() -> GoJsonScanner.firstValue(new byte[] {(byte) 0x85}))
        .hasMessage("invalid character '\\u0085' looking for beginning of value");
    assertThatThrownBy(() -> GoJsonScanner.firstValue(utf8("[".repeat(10001))))
        .hasMessage("invalid character '[' exceeded max depth");
  }

  @Test
  void firstValueIgnoresWhatFollowsAndBlankIsNoValue() throws Exception {
    assertThat(GoJsonScanner.firstValue(utf8("{\"key\":\"Zm9v\"} xyz"))).asString().isEqualTo("{\"key\":\"Zm9v\"}");
    assertThat(GoJsonScanner.firstValue(utf8("{}{"))).asString().isEqualTo("{}");
    assertThat(GoJsonScanner.firstValue(utf8("5x"))).asString().isEqualTo("5");
    assertThat(GoJsonScanner.firstValue(utf8(" null "))).asString().isEqualTo(" null");
    assertThat(GoJsonScanner.firstValue(utf8("12"))).asString().isEqualTo("12");
    assertThat(GoJsonScanner.firstValue(utf8(" \r\n\t"))).isNull();
    assertThat(GoJsonScanner.firstValue(new byte[0])).isNull();
  }

  @Test
  void goPathsCleanAndRedirectLikeServeMux() {
    assertThat(GoPaths.redirectTarget("/v3/kv/range")).isNull();
    assertThat(GoPaths.redirectTarget("/v3/kv/range/")).isNull();
    assertThat(GoPaths.redirectTarget("//v3/kv/range")).isEqualTo("/v3/kv/range");
    assertThat(GoPaths.redirectTarget("/v3/./kv//range/")).isEqualTo("/v3/kv/range/");
    assertThat(GoPaths.redirectTarget("/v3/kv/../../health")).isEqualTo("/health");
    assertThat(GoPaths.redirectTarget("/../..")).isEqualTo("/");
    assertThat(GoPaths.redirectTarget("/v3")).isEqualTo("/v3/");
    assertThat(GoPaths.redirectTarget("//v3")).isEqualTo("/v3/");
    assertThat(GoPaths.redirectTarget("/")).isNull();
    assertThat(GoPaths.escapePath("/a b/ü")).isEqualTo("/a%20b/%C3%BC");
  }
}
