package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonObjectSplitterTest {

  private static List<String> feedAll(JsonObjectSplitter s, String... pieces) throws Exception {
    List<String> out = new ArrayList<>();
    for (String p : pieces) {
      for (byte[] b : s.feed(Unpooled.wrappedBuffer(p.getBytes(StandardCharsets.UTF_8)))) {
        out.add(new String(b, StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  @Test
  void splitsConsecutiveObjectsWithOrWithoutSeparators() throws Exception {
    JsonObjectSplitter s = new JsonObjectSplitter(1000);
    assertThat(feedAll(s, "{\"a\":1}{\"b\":{\"c\":[1,{}]}}\n  {\"d\":2}\r\n"))
        .containsExactly("{\"a\":1}", "{\"b\":{\"c\":[1,{}]}}", "{\"d\":2}");
    s.finish();
  }

  @Test
  void bracesAndEscapedQuotesInsideStringsDoNotCount() throws Exception {
    JsonObjectSplitter s = new JsonObjectSplitter(1000);
    assertThat(feedAll(s, "{\"k\":\"}{\\\"}\\\\\"}", "{\"x\":\"]\"}"))
        .containsExactly("{\"k\":\"}{\\\"}\\\\\"}", "{\"x\":\"]\"}");
  }

  @Test
  void anySplitOfTheInputGivesTheSameObjects() throws Exception {
    String input = "{\"create_request\":{\"key\":\"Zm9v\"}}\n{\"cancel_request\":{\"watch_id\":\"0\"}}{\"s\":\"{\\\"\"}";
    Random rnd = new Random(7);
    for (int round = 0; round < 200; round++) {
      JsonObjectSplitter s = new JsonObjectSplitter(1000);
      List<String> pieces = new ArrayList<>();
      int i = 0;
      while (i < input.length()) {
        int n = 1 + rnd.nextInt(8);
        pieces.add(input.substring(i, Math.min(input.length(), i + n)));
        i += n;
      }
      assertThat(feedAll(s, pieces.toArray(String[]::new)))
          .containsExactly(
              "{\"create_request\":{\"key\":\"Zm9v\"}}", "{\"cancel_request\":{\"watch_id\":\"0\"}}", "{\"s\":\"{\\\"\"}");
      s.finish();
    }
  }

  @Test
  void nonObjectValuesAreSplitToo() throws Exception {
    // like successive json.Decoder.Decode calls: the proto decoding refuses them afterwards
    JsonObjectSplitter s = new JsonObjectSplitter(100);
    assertThat(feedAll(s, "[1] 12", "3\"s\"true{}", "null 4")).containsExactly("[1]", "123", "\"s\"", "true", "{}", "null");
    assertThat(s.finish()).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly("4");
  }

  @Test
  void rejectsSyntaxErrorsTruncationAndOversizedObjects() throws Exception {
    // the values before a syntax error are still returned; the error is then reported
    JsonObjectSplitter s = new JsonObjectSplitter(100);
    assertThat(feedAll(s, "{}{\"a\":1}x{}")).containsExactly("{}", "{\"a\":1}");
    assertThat(s.failure()).isEqualTo("invalid character 'x' looking for beginning of value");
    assertThat(feedAll(s, "{}")).isEmpty();
    assertThatThrownBy(s::finish).hasMessage("invalid character 'x' looking for beginning of value");
    JsonObjectSplitter key = new JsonObjectSplitter(100);
    assertThat(feedAll(key, "{\"a\" 1}")).isEmpty();
    assertThat(key.failure()).isEqualTo("invalid character '1' after object key");
    JsonObjectSplitter partial = new JsonObjectSplitter(100);
    assertThatThrownBy(() -> {
          feedAll(partial, "{\"a\":");
          partial.finish();
        })
        .isInstanceOf(JsonCodec.BadJsonException.class)
        .hasMessage("unexpected EOF");
    assertThatThrownBy(() -> feedAll(new JsonObjectSplitter(10), "{\"a\":\"0123456789\"}"))
        .isInstanceOf(JsonObjectSplitter.TooLargeException.class);
  }
}
