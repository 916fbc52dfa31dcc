package io.cairn.server.apply;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.serverpb.InternalRequest;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SlowAppliesTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(SlowApplies.class);
  private final ListAppender<ILoggingEvent> seen = new ListAppender<>();

  @AfterEach
  void reset() {
    logger.detachAppender(seen);
    SlowApplies.configure(Duration.ofMillis(100));
  }

  private static InternalRequest put() {
    return InternalRequest.newBuilder().setPut(PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("foo")).setValue(ByteString.copyFromUtf8("secret-value"))).build();
  }

  @Test
  void theRequestTextLeavesValuesOutAsEtcdsRedactedStringsDo() {
    String text = SlowApplies.text(put());
    assertThat(text).isEqualTo("put:<key:\"foo\" value_size:12 >");
    assertThat(text).doesNotContain("secret");
  }

  @Test
  void anApplyOverTheThresholdIsOneWarnLineWithEtcdsFields() {
    seen.start();
    logger.addAppender(seen);
    SlowApplies.configure(Duration.ofMillis(100));
    SlowApplies.check(System.nanoTime(), put(), PutResponse.getDefaultInstance(), null);
    assertThat(seen.list).isEmpty(); // fast: nothing
    SlowApplies.configure(Duration.ofNanos(1));
    SlowApplies.check(System.nanoTime() - 5_000_000, put(), PutResponse.getDefaultInstance(), null);
    assertThat(seen.list).hasSize(1);
    ILoggingEvent e = seen.list.get(0);
    assertThat(e.getLevel().toString()).isEqualTo("WARN");
    assertThat(e.getMessage()).isEqualTo("apply request took too long");
    Map<String, Object> f = e.getKeyValuePairs().stream().collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
    assertThat(e.getKeyValuePairs().stream().map(kv -> kv.key).toList())
        .containsExactly("took", "expected-duration", "prefix", "request", "response");
    assertThat((Duration) f.get("took")).isGreaterThanOrEqualTo(Duration.ofMillis(5));
    assertThat(f.get("expected-duration")).isEqualTo(Duration.ofNanos(1));
    assertThat(f.get("response")).isEqualTo("size:0");
  }
}
