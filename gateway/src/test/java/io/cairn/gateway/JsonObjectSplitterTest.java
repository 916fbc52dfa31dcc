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
  void rejectsNonObjectsTruncationAndOversizedObjects() {
    assertThatThrownBy(() -> feedAll(new JsonObjectSplitter(100), "[1]")).isInstanceOf(JsonCodec.BadJsonException.class);
    assertThatThrownBy(() -> feedAll(new JsonObjectSplitter(100), "{}x")).isInstanceOf(JsonCodec.BadJsonException.class);
    JsonObjectSplitter partial = new JsonObjectSplitter(100);
    assertThatThrownBy(() -> {
          feedAll(partial, "{\"a\":");
          partial.finish();
        })
        .isInstanceOf(JsonCodec.BadJsonException.class);
    assertThatThrownBy(() -> feedAll(new JsonObjectSplitter(10), "{\"a\":\"0123456789\"}"))
        .isInstanceOf(JsonObjectSplitter.TooLargeException.class);
  }
}
