package io.cairn.storage.etcd;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.proto.authpb.Role;
import io.cairn.proto.authpb.User;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.storage.bbolt.BoltBucket;
import io.cairn.storage.bbolt.BoltFile;
import io.cairn.storage.bbolt.BoltFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * etcd's backend database read through its schema: key versions with their revisions, the compaction marks, leases,
 * and the auth state. The membership buckets ({@code members}, {@code cluster}, ...) and the raft position
 * ({@code consistent_index}, {@code term}) are not read: a restore starts a new cluster, as etcdutl's does.
 */
public final class EtcdBackend implements AutoCloseable {
  private final BoltFile file;
  private final BoltBucket root;

  private EtcdBackend(BoltFile file) {
    this.file = file;
    this.root = file.root();
  }

  /** Opens the etcd database in the first {@code dataBytes} of {@code path}; refuses a bbolt file that is not etcd's. */
  public static EtcdBackend open(Path path, long dataBytes) throws IOException {
    BoltFile f = BoltFile.open(path, dataBytes);
    try {
      EtcdBackend b = new EtcdBackend(f);
      if (b.bucket("key") == null || b.bucket("meta") == null) {
        throw new BoltFormatException("a bbolt database without etcd's key and meta buckets");
      }
      return b;
    } catch (RuntimeException e) {
      f.close();
      throw e;
    }
  }

  public BoltFile file() {
    return file;
  }

  /** One version from the key bucket; a tombstone's KeyValue carries only its key. */
  @FunctionalInterface
  public interface VersionVisitor {
    void version(long revision, long sub, boolean tombstone, KeyValue kv);
  }

  /** Every version in the key bucket, in revision order. */
  public void forEachVersion(VersionVisitor v) {
    bucket("key").forEach((k, value) -> {
      if (value == null) {
        throw new BoltFormatException("unexpected nested bucket in etcd's key bucket");
      }
      EtcdRevision r = EtcdRevision.decode(k);
      try {
        v.version(r.main(), r.sub(), r.tombstone(), KeyValue.parseFrom(value));
      } catch (InvalidProtocolBufferException e) {
        throw new BoltFormatException("undecodable KeyValue at revision " + r.main() + "_" + r.sub() + ": "
            + e.getMessage());
      }
    });
  }

  /** The compaction etcd last scheduled (the compact revision clients see), or -1 if it never compacted. */
  public long scheduledCompactRevision() {
    return metaRevision("scheduledCompactRev");
  }

  /** The compaction etcd last finished, or -1; below the scheduled one if etcd stopped in the middle of one. */
  public long finishedCompactRevision() {
    return metaRevision("finishedCompactRev");
  }

  private long metaRevision(String name) {
    byte[] v = get(bucket("meta"), name);
    return v == null ? -1 : EtcdRevision.decode(v).main();
  }

  /** The lease bucket, by id. */
  public List<EtcdLease> leases() {
    List<EtcdLease> out = new ArrayList<>();
    BoltBucket b = bucket("lease");
    if (b != null) {
      b.forEach((k, v) -> out.add(EtcdLease.decode(v)));
    }
    return out;
  }

  /** Whether auth was enabled (absent: never enabled). */
  public boolean authEnabled() {
    byte[] v = get(bucket("auth"), "authEnabled");
    return v != null && v.length == 1 && v[0] == 1;
  }

  /** The auth store's revision, or -1 if the file has none. */
  public long authRevision() {
    byte[] v = get(bucket("auth"), "authRevision");
    if (v == null) {
      return -1;
    }
    if (v.length != 8) {
      throw new BoltFormatException("authRevision of " + v.length + " bytes");
    }
    return EtcdRevision.be64(v, 0);
  }

  public List<User> users() {
    List<User> out = new ArrayList<>();
    BoltBucket b = bucket("authUsers");
    if (b != null) {
      b.forEach((k, v) -> out.add(parse(() -> User.parseFrom(v), "user", k)));
    }
    return out;
  }

  public List<Role> roles() {
    List<Role> out = new ArrayList<>();
    BoltBucket b = bucket("authRoles");
    if (b != null) {
      b.forEach((k, v) -> out.add(parse(() -> Role.parseFrom(v), "role", k)));
    }
    return out;
  }

  private interface Parser<T> {
    T parse() throws InvalidProtocolBufferException;
  }

  private static <T> T parse(Parser<T> p, String what, byte[] key) {
    try {
      return p.parse();
    } catch (InvalidProtocolBufferException e) {
      throw new BoltFormatException("undecodable " + what + " " + new String(key, StandardCharsets.UTF_8));
    }
  }

  private BoltBucket bucket(String name) {
    return root.bucket(name.getBytes(StandardCharsets.US_ASCII));
  }

  /** A plain value of a bucket, found by walking it (etcd's small buckets only). */
  private static byte[] get(BoltBucket b, String key) {
    if (b == null) {
      return null;
    }
    byte[] want = key.getBytes(StandardCharsets.US_ASCII);
    byte[][] found = {null};
    b.forEach((k, v) -> {
      if (v != null && java.util.Arrays.equals(k, want)) {
        found[0] = v;
      }
    });
    return found[0];
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
