package io.cairn.server.peer;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * Opens channels to other members' peer URLs: TLS for https ones (this member's peer certificate
 * presented, theirs verified), plain text for http. Raft messages, snapshots and the join
 * handshake all go through these, so a secured cluster has no plain-text path between members.
 */
public final class PeerChannels {
  /** Supplies the SSL context for dialing https peers; may fail if the peer TLS files cannot be read. */
  public interface TlsSource {
    SslContext peerClient() throws IOException;
  }

  /** Plain text only: for a member without any TLS (and for tests). */
  public static final PeerChannels PLAINTEXT = new PeerChannels(() -> {
    throw new IOException("https peer URLs need TLS settings");
  });

  private final TlsSource tls;

  public PeerChannels(TlsSource tls) {
    this.tls = tls;
  }

  public ManagedChannel open(URI url, ClientInterceptor... interceptors) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(url.getHost(), url.getPort())
        .maxInboundMessageSize(Integer.MAX_VALUE).intercept(interceptors);
    if (url.getScheme().equals("https")) {
      try {
        b.sslContext(tls.peerClient()).negotiationType(NegotiationType.TLS);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot dial " + url + ": " + e.getMessage(), e);
      }
    } else {
      b.usePlaintext();
    }
    return b.build();
  }
}
