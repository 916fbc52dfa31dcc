package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** jetcd 0.8.7, the Java client, doing KV work against a running Cairn. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JetcdCompatTest extends AgainstCairn {
  static KV kv;

  @BeforeAll
  static void clients() {
    kv = client.getKVClient();
  }

  static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void putGetWithRevisionsVersionsAndPrevKv() throws Exception {
    PutResponse first = get(kv.put(bs("j/a"), bs("1")));
    PutResponse second = get(kv.put(bs("j/a"), bs("2"), PutOption.builder().withPrevKV().build()));
    assertThat(second.hasPrevKv()).isTrue();
    assertThat(str(second.getPrevKv().getValue())).isEqualTo("1");
    assertThat(second.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision() + 1);
    KeyValue a = get(kv.get(bs("j/a"))).getKvs().get(0);
    assertThat(a.getVersion()).isEqualTo(2);
    assertThat(a.getCreateRevision()).isEqualTo(first.getHeader().getRevision());
    assertThat(a.getModRevision()).isEqualTo(second.getHeader().getRevision());
    GetResponse old = get(kv.get(bs("j/a"), GetOption.builder().withRevision(first.getHeader().getRevision()).build()));
    assertThat(str(old.getKvs().get(0).getValue())).isEqualTo("1");
  }

  @Test
  void rangeOptionsCountOnlyLimitAndRevisionFilters() throws Exception {
    long base = get(kv.put(bs("f/1"), bs("x"))).getHeader().getRevision();
    get(kv.put(bs("f/2"), bs("y")));
    get(kv.put(bs("f/3"), bs("z")));
    get(kv.put(bs("f/2"), bs("y2")));
    GetResponse count = get(kv.get(bs("f/"), GetOption.builder().isPrefix(true).withCountOnly(true).build()));
    assertThat(count.getCount()).isEqualTo(3);
    assertThat(count.getKvs()).isEmpty();
    GetResponse limited = get(kv.get(bs("f/"), GetOption.builder().isPrefix(true).withLimit(2).build()));
    assertThat(limited.getKvs()).hasSize(2);
    assertThat(limited.isMore()).isTrue();
    assertThat(limited.getCount()).isEqualTo(3);
    GetResponse minMod = get(kv.get(bs("f/"), GetOption.builder().isPrefix(true)
        .withMinModRevision(base + 2).build()));
    assertThat(minMod.getKvs()).extracting(k -> str(k.getKey())).containsExactly("f/2", "f/3");
    assertThat(minMod.getCount()).isEqualTo(3);
    GetResponse maxCreate = get(kv.get(bs("f/"), GetOption.builder().isPrefix(true)
        .withMaxCreateRevision(base + 1).build()));
    assertThat(maxCreate.getKvs()).extracting(k -> str(k.getKey())).containsExactly("f/1", "f/2");
    GetResponse sorted = get(kv.get(bs("f/"), GetOption.builder().isPrefix(true)
        .withSortField(GetOption.SortTarget.MOD).withSortOrder(GetOption.SortOrder.DESCEND).build()));
    assertThat(sorted.getKvs()).extracting(k -> str(k.getKey())).containsExactly("f/2", "f/3", "f/1");
    GetResponse keysOnly = get(kv.get(bs("f/"), GetOption.builder().isPrefix(true).withKeysOnly(true).build()));
    assertThat(keysOnly.getKvs()).allSatisfy(k -> assertThat(k.getValue().isEmpty()).isTrue());
  }

  @Test
  void txnCompareThenElse() throws Exception {
    get(kv.put(bs("t/k"), bs("v")));
    TxnResponse ok = get(kv.txn()
        .If(new Cmp(bs("t/k"), Cmp.Op.EQUAL, CmpTarget.value(bs("v"))),
            new Cmp(bs("t/missing"), Cmp.Op.EQUAL, CmpTarget.version(0)))
        .Then(Op.put(bs("t/k"), bs("w"), PutOption.DEFAULT), Op.get(bs("t/k"), GetOption.DEFAULT))
        .Else(Op.put(bs("t/k"), bs("never"), PutOption.DEFAULT))
        .commit());
    assertThat(ok.isSucceeded()).isTrue();
    assertThat(ok.getPutResponses()).hasSize(1);
    assertThat(str(ok.getGetResponses().get(0).getKvs().get(0).getValue())).isEqualTo("w");
    TxnResponse no = get(kv.txn()
        .If(new Cmp(bs("t/missing"), Cmp.Op.NOT_EQUAL, CmpTarget.value(bs("x"))))
        .Then(Op.put(bs("t/never"), bs("1"), PutOption.DEFAULT))
        .Else(Op.get(bs("t/k"), GetOption.DEFAULT))
        .commit());
    assertThat(no.isSucceeded()).as("VALUE compare on a missing key is false").isFalse();
    assertThat(str(no.getGetResponses().get(0).getKvs().get(0).getValue())).isEqualTo("w");
  }

  @Test
  @Order(99) // compacts: runs after the tests that read old revisions
  void deleteWithPrevKvAndCompactionErrors() throws Exception {
    get(kv.put(bs("d/1"), bs("a")));
    long rev = get(kv.put(bs("d/2"), bs("b"))).getHeader().getRevision();
    var del = get(kv.delete(bs("d/"), DeleteOption.builder().isPrefix(true).withPrevKV(true).build()));
    assertThat(del.getDeleted()).isEqualTo(2);
    assertThat(del.getPrevKvs()).extracting(k -> str(k.getValue())).containsExactly("a", "b");
    assertThat(get(kv.get(bs("d/"), GetOption.builder().isPrefix(true).build())).getCount()).isZero();
    get(kv.compact(rev, CompactOption.builder().withCompactPhysical(true).build()));
    assertThatThrownBy(() -> get(kv.get(bs("d/1"), GetOption.builder().withRevision(rev - 1).build())))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("required revision has been compacted");
    assertThat(get(kv.get(bs("d/2"), GetOption.builder().withRevision(rev).build())).getKvs())
        .extracting(k -> str(k.getValue())).isEqualTo(List.of("b"));
    assertThatThrownBy(() -> get(kv.get(bs("d/1"), GetOption.builder().withRevision(rev + 1000).build())))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("required revision is a future revision");
  }
}
