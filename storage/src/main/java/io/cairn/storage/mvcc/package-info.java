/**
 * etcd-compatible MVCC key-value store on RocksDB. The public surface is {@link io.cairn.storage.mvcc.MvccStore},
 * {@link io.cairn.storage.mvcc.StoreOptions}, {@link io.cairn.storage.mvcc.LeaseRecord},
 * {@link io.cairn.storage.mvcc.LeaseListener}, {@link io.cairn.storage.mvcc.StoreImport},
 * {@link io.cairn.storage.mvcc.MvccException} and {@link io.cairn.storage.mvcc.RequestValidation}; everything else
 * is package-private. The on-disk layout is described in docs/storage-encoding.md.
 */
package io.cairn.storage.mvcc;
