package io.cairn.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A plain-socket HTTP/1.1 client for what java.net.http hides: raw bytes, chunk boundaries,
 * the Host header, malformed requests and half-sent bodies.
 */
final class RawHttp implements AutoCloseable {
  final Socket socket;
  final InputStream in;
  final OutputStream out;

  RawHttp(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  void write(String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  void write(byte[] b) throws IOException {
    out.write(b);
    out.flush();
  }

  /** Sends one chunk of a chunked request body. */
  void chunk(String data) throws IOException {
    byte[] b = data.getBytes(StandardCharsets.UTF_8);
    write(Integer.toHexString(b.length) + "\r\n");
    write(b);
    write("\r\n");
  }

  void lastChunk() throws IOException {
    write("0\r\n\r\n");
  }

  /** Status line and headers (names lower-cased). */
  Head readHead() throws IOException {
    String status = readLine();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String line;
    while ((line = readLine()) != null && !line.isEmpty()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    return new Head(Integer.parseInt(status.split(" ")[1]), headers);
  }

  /** The next chunk's data of a chunked response, or null at its end. */
  String readChunk() throws IOException {
    String size = readLine();
    int n = Integer.parseInt(size.trim(), 16);
    if (n == 0) {
      readLine();
      return null;
    }
    byte[] b = in.readNBytes(n);
    readLine();
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A whole response: Content-Length, chunked, or until close. */
  Response readResponse() throws IOException {
    Head head = readHead();
    String body;
    if ("chunked".equalsIgnoreCase(head.headers.get("transfer-encoding"))) {
      StringBuilder sb = new StringBuilder();
      String c;
      while ((c = readChunk()) != null) {
        sb.append(c);
      }
      body = sb.toString();
    } else if (head.headers.containsKey("content-length")) {
      body = new String(in.readNBytes(Integer.parseInt(head.headers.get("content-length"))), StandardCharsets.UTF_8);
    } else if (head.status == 100 || head.status == 204 || head.status == 304) {
      body = "";
    } else {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return new Response(head.status, head.headers, body);
  }

  /** True when the server closed the connection (EOF) within the socket timeout. */
  boolean closedByServer() {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return true;
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    if (c == -1 && b.size() == 0) {
      return null;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  record Head(int status, Map<String, String> headers) {}

  record Response(int status, Map<String, String> headers, String body) {}
}
