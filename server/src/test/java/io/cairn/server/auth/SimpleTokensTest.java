package io.cairn.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SimpleTokensTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final SimpleTokens tokens = new SimpleTokens(300_000, now::get);

  @Test
  void tokenHasEtcdsShapeAndNamesItsUser() {
    tokens.setEnabled(true);
    String prefix = tokens.newPrefix();
    assertThat(prefix).matches("[a-zA-Z]{16}");
    String t = tokens.assign("alice", 5, prefix, 42);
    assertThat(t).isEqualTo(prefix + ".42");
    assertThat(tokens.index(t)).isEqualTo(42);
    assertThat(tokens.info(t, 9)).isEqualTo(new AuthInfo("alice", 9));
  }

  @Test
  void expiresAfterTtlUnlessUsed() {
    tokens.setEnabled(true);
    String t = tokens.assign("alice", 1, tokens.newPrefix(), 1);
    now.addAndGet(299_000);
    assertThat(tokens.info(t, 1)).as("used just before expiry: extended").isNotNull();
    now.addAndGet(299_000);
    assertThat(tokens.info(t, 1)).as("still within the extended life").isNotNull();
    now.addAndGet(300_001);
    assertThat(tokens.info(t, 1)).as("unused for longer than the TTL").isNull();
  }

  @Test
  void purgeDropsOnlyExpiredTokens() {
    tokens.setEnabled(true);
    String old = tokens.assign("a", 1, tokens.newPrefix(), 1);
    now.addAndGet(200_000);
    String fresh = tokens.assign("b", 1, tokens.newPrefix(), 2);
    now.addAndGet(150_000);
    tokens.purgeExpired();
    assertThat(tokens.size()).isEqualTo(1);
    assertThat(tokens.info(old, 1)).isNull();
    assertThat(tokens.info(fresh, 1)).isNotNull();
  }

  @Test
  void userInvalidationAndDisableRevokeTokens() {
    tokens.setEnabled(true);
    String a = tokens.assign("alice", 1, tokens.newPrefix(), 1);
    String b = tokens.assign("bob", 1, tokens.newPrefix(), 2);
    tokens.invalidateUser("alice");
    assertThat(tokens.info(a, 1)).isNull();
    assertThat(tokens.info(b, 1)).isNotNull();
    tokens.setEnabled(false);
    assertThat(tokens.info(b, 1)).isNull();
    String whileOff = tokens.assign("bob", 1, tokens.newPrefix(), 3);
    tokens.setEnabled(true);
    assertThat(tokens.info(whileOff, 1)).as("not registered while auth was off").isNull();
  }

  @Test
  void malformedTokensAreRejected() {
    tokens.setEnabled(true);
    tokens.assign("alice", 1, "abcdefghijklmnop", 7);
    for (String bad : new String[] {"", ".", "abcdefghijklmnop", "abcdefghijklmnop.", "abcdefghijklmnop.x",
        "abcdefghijklmnop.7.7", "abcdefghijklmnop.-7", "abcdefghijklmnop.99999999999999999999999", "a.7"}) {
      assertThat(tokens.info(bad, 1)).as(bad).isNull();
    }
    assertThat(tokens.info("abcdefghijklmnop.7", 1)).isNotNull();
  }
}
