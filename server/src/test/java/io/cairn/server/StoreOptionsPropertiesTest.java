package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.server.config.FlagParser;
import io.cairn.server.config.ServerConfig;
import io.cairn.storage.mvcc.StoreOptions;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** RocksDB's memory from the JVM properties docs/operations.md names; without them, the store's defaults. */
class StoreOptionsPropertiesTest {
  private static ServerConfig defaults() throws Exception {
    return ServerConfig.from(FlagParser.parse(new String[0], Map.of(), w -> { }).values());
  }

  @Test
  void withoutPropertiesTheStoresDefaults() throws Exception {
    StoreOptions o = CairnServer.storeOptions(defaults(), new Properties());
    StoreOptions d = StoreOptions.defaults();
    assertThat(o.blockCacheBytes()).isEqualTo(d.blockCacheBytes()).isEqualTo(16L << 20);
    assertThat(o.memtableBudgetBytes()).isEqualTo(d.memtableBudgetBytes()).isEqualTo(32L << 20);
    assertThat(o.syncWrites()).as("Raft's WAL is the log; RocksDB's own is not synced").isFalse();
  }

  @Test
  void propertiesResizeTheCacheAndTheMemtables() throws Exception {
    Properties p = new Properties();
    p.setProperty("cairn.store.block-cache-bytes", "67108864");
    p.setProperty("cairn.store.memtable-bytes", " 8388608 ");
    StoreOptions o = CairnServer.storeOptions(defaults(), p);
    assertThat(o.blockCacheBytes()).isEqualTo(64L << 20);
    assertThat(o.memtableBudgetBytes()).isEqualTo(8L << 20);
    assertThat(o.writeBufferBytes()).isEqualTo(4L << 20);
  }

  @Test
  void aBadValueRefusesToStart() {
    Properties p = new Properties();
    p.setProperty("cairn.store.block-cache-bytes", "0");
    assertThatThrownBy(() -> CairnServer.storeOptions(defaults(), p)).isInstanceOf(IllegalArgumentException.class);
    p.setProperty("cairn.store.block-cache-bytes", "64MiB");
    assertThatThrownBy(() -> CairnServer.storeOptions(defaults(), p)).isInstanceOf(NumberFormatException.class)
        .hasMessageContaining("cairn.store.block-cache-bytes").hasMessageContaining("64MiB");
  }
}
