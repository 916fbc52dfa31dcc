package io.cairn.server.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for test processes (others may hold 2379/2380). */
final class Ports {
  private Ports() {}

  /**
   * A free port, never one handed out before in this JVM: the kernel may offer a port again once its probe
   * socket is closed, and two members started together must not both get it.
   */
  static synchronized int free() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (GIVEN.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no fresh free port after 100 attempts");
  }

  private static final java.util.Set<Integer> GIVEN = new java.util.HashSet<>();
}
