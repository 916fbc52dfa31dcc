/**
 * etcd's backend schema (v3.4–3.7) read from a bbolt file: the {@code key} bucket's revisions and KeyValues, the
 * {@code meta} bucket's compaction marks, leases and the auth buckets ({@link io.cairn.storage.etcd.EtcdBackend}), and
 * {@code etcdutl snapshot status}'s figures ({@link io.cairn.storage.etcd.EtcdDbStatus}).
 */
package io.cairn.storage.etcd;
