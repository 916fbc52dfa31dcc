package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.cairn.proto.mvccpb.KeyValue;

/**
 * Value layout of a live version in the {@code kv} column family:
 * {@code BE64(create_revision) | BE64(version) | BE64(lease) | value bytes}. Tombstones have an empty value (their
 * kind is in the key). The key and mod_revision are not stored: they are in the kv key. The kv_keys column family
 * holds the same keys with {@link #header} of each record: the same layout without the value bytes. The kv_live
 * column family holds, per live key, {@link #live}: the newest version's header followed by {@code BE64(mod_revision)}.
 */
final class VersionRecord {
  static final int HEADER = 24;
  static final byte[] TOMBSTONE = new byte[0];

  private VersionRecord() {}

  static byte[] encode(long createRevision, long version, long lease, ByteString value) {
    byte[] out = new byte[HEADER + value.size()];
    KeyCodec.putLong(out, 0, createRevision);
    KeyCodec.putLong(out, 8, version);
    KeyCodec.putLong(out, 16, lease);
    value.copyTo(out, HEADER);
    return out;
  }

  /**
   * The record as the kv_keys column family holds it: the header without the value bytes (a tombstone's empty record
   * stays empty). {@link #decode} reads it as it reads a full record, minus the value.
   */
  static byte[] header(byte[] record) {
    return record.length <= HEADER ? record : java.util.Arrays.copyOf(record, HEADER);
  }

  /** The kv_live value of a live version: its header, then its mod_revision. */
  static byte[] live(byte[] header, long modRevision) {
    byte[] out = java.util.Arrays.copyOf(header, HEADER + 8);
    KeyCodec.putLong(out, HEADER, modRevision);
    return out;
  }

  /** Decodes a kv_live value (no value bytes: the key-value has none). */
  static KeyValue decodeLive(ByteString key, byte[] live) {
    return decode(key, KeyCodec.getLong(live, HEADER), live, false);
  }

  /** The lease of a live version's record (a kv, kv_keys or kv_live value). */
  static long lease(byte[] record) {
    return KeyCodec.getLong(record, 16);
  }

  /** Decodes a live version. The record array is never reused, so the value can wrap it without a copy. */
  static KeyValue decode(ByteString key, long modRevision, byte[] record, boolean withValue) {
    KeyValue.Builder kv = KeyValue.newBuilder()
        .setKey(key)
        .setCreateRevision(KeyCodec.getLong(record, 0))
        .setModRevision(modRevision)
        .setVersion(KeyCodec.getLong(record, 8))
        .setLease(KeyCodec.getLong(record, 16));
    if (withValue && record.length > HEADER) {
      kv.setValue(UnsafeByteOperations.unsafeWrap(record, HEADER, record.length - HEADER));
    }
    return kv.build();
  }
}
