/**
 * A read-only reader of bbolt database files (the backend etcd keeps and {@code etcdctl snapshot save} writes), made
 * from bbolt's documented on-disk layout: {@link io.cairn.storage.bbolt.BoltFile} opens a file and picks its meta page,
 * {@link io.cairn.storage.bbolt.BoltBucket} walks a bucket's B+tree in key order. Everything else is package-private.
 */
package io.cairn.storage.bbolt;
