package io.cairn.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.authpb.Permission;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangePermsTest {
  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static final ByteString NONE = ByteString.EMPTY;
  private static final ByteString FROM = ByteString.copyFrom(new byte[] {0});

  private static Permission perm(Permission.Type t, String key, ByteString end) {
    return Permission.newBuilder().setPermType(t).setKey(b(key)).setRangeEnd(end).build();
  }

  @Test
  void singleKeyGrantCoversOnlyThatKey() {
    RangePerms p = RangePerms.of(List.of(perm(Permission.Type.READ, "a", NONE)));
    assertThat(p.canRead(b("a"), NONE)).isTrue();
    assertThat(p.canRead(b("a"), b("a\0"))).as("[a, a\\0) is the key a alone").isTrue();
    assertThat(p.canRead(b("ab"), NONE)).isFalse();
    assertThat(p.canRead(b("a"), b("b"))).isFalse();
    assertThat(p.canWrite(b("a"), NONE)).as("read is not write").isFalse();
  }

  @Test
  void prefixGrantCoversKeysAndSubRangesUnderIt() {
    RangePerms p = RangePerms.of(List.of(perm(Permission.Type.WRITE, "foo", b("fop"))));
    assertThat(p.canWrite(b("foo"), NONE)).isTrue();
    assertThat(p.canWrite(b("foo/bar"), NONE)).isTrue();
    assertThat(p.canWrite(b("foo/"), b("foo0"))).isTrue();
    assertThat(p.canWrite(b("foo"), b("fop"))).isTrue();
    assertThat(p.canWrite(b("foo"), b("fopa"))).as("ends past the grant").isFalse();
    assertThat(p.canWrite(b("fo"), b("fop"))).as("starts before the grant").isFalse();
    assertThat(p.canWrite(b("fop"), NONE)).as("range end is exclusive").isFalse();
    assertThat(p.canWrite(b("foo"), FROM)).as("from-key is open ended").isFalse();
    assertThat(p.canRead(b("foo"), NONE)).isFalse();
  }

  @Test
  void touchingAndOverlappingGrantsFromDifferentRolesMerge() {
    RangePerms p = RangePerms.of(List.of(
        perm(Permission.Type.READ, "c", b("e")),
        perm(Permission.Type.READ, "a", b("c")),
        perm(Permission.Type.READWRITE, "d", b("g"))));
    assertThat(p.canRead(b("b"), b("f"))).as("[a,c)+[c,e)+[d,g) = [a,g)").isTrue();
    assertThat(p.canRead(b("a"), b("g"))).isTrue();
    assertThat(p.canRead(b("a"), b("h"))).isFalse();
    assertThat(p.canWrite(b("d"), b("g"))).isTrue();
    assertThat(p.canWrite(b("c"), b("e"))).as("write only from the readwrite grant").isFalse();
  }

  @Test
  void gapBetweenGrantsIsNotCovered() {
    RangePerms p = RangePerms.of(List.of(perm(Permission.Type.READ, "a", b("b")),
        perm(Permission.Type.READ, "c", b("d"))));
    assertThat(p.canRead(b("a"), b("d"))).isFalse();
    assertThat(p.canRead(b("bb"), NONE)).isFalse();
    assertThat(p.canRead(b("c"), NONE)).isTrue();
  }

  @Test
  void fromKeyGrantCoversEverythingAfterIt() {
    RangePerms p = RangePerms.of(List.of(perm(Permission.Type.READ, "m", FROM)));
    assertThat(p.canRead(b("m"), FROM)).isTrue();
    assertThat(p.canRead(b("zzz"), NONE)).isTrue();
    assertThat(p.canRead(b("n"), b("\u007f"))).isTrue();
    assertThat(p.canRead(b("l"), NONE)).isFalse();
    RangePerms all = RangePerms.of(List.of(perm(Permission.Type.READ, "\0", FROM)));
    assertThat(all.canRead(ByteString.copyFrom(new byte[] {0}), FROM)).as("etcdctl get --prefix ''").isTrue();
  }

  @Test
  void noGrantsAllowNothing() {
    assertThat(RangePerms.NONE.canRead(b("a"), NONE)).isFalse();
    assertThat(RangePerms.of(List.of()).canWrite(b("a"), NONE)).isFalse();
  }
}
