package io.cairn.gateway;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * HTTP-side settings of the JSON gateway, mirroring etcd's flags: {@code --max-request-bytes}
 * (the gateway refuses bodies above the gRPC receive limit, request bytes + 512 KiB),
 * {@code --cors} and {@code --host-whitelist} (both default {@code *}).
 */
public final class GatewayOptions {
  /** etcd's default --max-request-bytes (1.5 MiB) plus gRPC's 512 KiB receive headroom. */
  public static final long DEFAULT_MAX_BODY_BYTES = 1_572_864L + 512 * 1024;

  private final long maxBodyBytes;
  private final Set<String> corsOrigins;
  private final Set<String> hostWhitelist;
  private final Executor blockingExecutor;

  private GatewayOptions(Builder b) {
    this.maxBodyBytes = b.maxBodyBytes;
    this.corsOrigins = Set.copyOf(b.corsOrigins);
    this.hostWhitelist = Set.copyOf(b.hostWhitelist);
    this.blockingExecutor = b.blockingExecutor;
  }

  public static GatewayOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Largest accepted unary request body, and largest single object in a streamed body. */
  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  public Set<String> corsOrigins() {
    return corsOrigins;
  }

  public Set<String> hostWhitelist() {
    return hostWhitelist;
  }

  /** Where {@link HttpEndpoints} calls run (they may block); null: the gateway makes its own. */
  public Executor blockingExecutor() {
    return blockingExecutor;
  }

  /** etcd's AccessController.IsHostWhitelisted: '*' allows all, else an exact host match. */
  boolean hostAllowed(String host) {
    return hostWhitelist.contains("*") || hostWhitelist.contains(host);
  }

  /** The Access-Control-Allow-Origin value for a request, or null for none (etcd's OriginAllowed). */
  String corsOriginFor(String requestOrigin) {
    if (corsOrigins.contains("*")) {
      return "*";
    }
    return requestOrigin != null && corsOrigins.contains(requestOrigin) ? requestOrigin : null;
  }

  public static final class Builder {
    private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Set<String> corsOrigins = Set.of("*");
    private Set<String> hostWhitelist = Set.of("*");
    private Executor blockingExecutor;

    private Builder() {}

    /** Pass etcd's --max-request-bytes here; the gateway adds gRPC's 512 KiB headroom itself. */
    public Builder maxRequestBytes(long maxRequestBytes) {
      return maxBodyBytes(maxRequestBytes + 512 * 1024);
    }

    public Builder maxBodyBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxBodyBytes must be positive: " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    public Builder corsOrigins(Set<String> origins) {
      this.corsOrigins = Objects.requireNonNull(origins);
      return this;
    }

    public Builder hostWhitelist(Set<String> hosts) {
      this.hostWhitelist = Objects.requireNonNull(hosts);
      return this;
    }

    public Builder blockingExecutor(Executor executor) {
      this.blockingExecutor = executor;
      return this;
    }

    public GatewayOptions build() {
      return new GatewayOptions(this);
    }
  }
}
