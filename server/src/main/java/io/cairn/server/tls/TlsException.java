package io.cairn.server.tls;

import java.io.IOException;

/** A TLS setting or file that keeps the member from starting; the message is etcd's where etcd has one. */
public final class TlsException extends IOException {
  public TlsException(String message) {
    super(message);
  }

  public TlsException(String message, Throwable cause) {
    super(message, cause);
  }
}
