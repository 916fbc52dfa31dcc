package io.cairn.gateway;

import io.grpc.Metadata;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP headers → gRPC request metadata, as etcd's gateway does: {@code Authorization} becomes
 * {@code authorization} and (Bearer prefix stripped) {@code token}, the key etcd clients use;
 * {@code Grpc-Metadata-<Name>} becomes {@code <name>}. Headers that are not legal metadata are
 * dropped rather than failing the request.
 */
final class GrpcMetadata {
  private static final String PREFIX = "grpc-metadata-";
  private static final Metadata.Key<String> TOKEN = key("token");
  private static final Metadata.Key<String> AUTHORIZATION = key("authorization");

  private GrpcMetadata() {}

  static Metadata fromHeaders(HttpHeaders headers) {
    Metadata md = new Metadata();
    String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
    if (auth != null && printable(auth)) {
      String token = auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : auth;
      md.put(AUTHORIZATION, auth);
      if (!token.isEmpty()) {
        md.put(TOKEN, token);
      }
    }
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith(PREFIX) && name.length() > PREFIX.length() && printable(h.getValue())) {
        Metadata.Key<String> key = safeKey(name.substring(PREFIX.length()));
        if (key != null) {
          md.put(key, h.getValue());
        }
      }
    }
    return md;
  }

  private static Metadata.Key<String> safeKey(String name) {
    // binary (-bin) keys would need base64 values, and grpc- keys are reserved for the transport
    if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX) || name.startsWith("grpc-")) {
      return null;
    }
    try {
      return key(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private static boolean printable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
