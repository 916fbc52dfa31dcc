package io.cairn.server;

/** Versions Cairn reports where etcd reports its own. */
public final class Versions {
  private Versions() {}

  /** Cairn's own release. */
  public static final String CAIRN = "0.1.0";
  /**
   * The etcd server version we answer as (Status.version, /version). Kubernetes enables
   * RequestWatchProgress only for versions at or above 3.5.13, and etcdctl prints it. 3.7 since its API is complete
   * here (RangeStream, FastLeaseKeepAlive, the request-duration metric), so clients that detect features by
   * version use them.
   */
  public static final String ETCD_SERVER = "3.7.1";
  public static final String ETCD_CLUSTER = "3.7.0";
  public static final String ETCD_STORAGE = "3.7.0";
}
