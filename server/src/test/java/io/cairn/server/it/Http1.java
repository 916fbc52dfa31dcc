package io.cairn.server.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client on a raw socket, as curl would talk to etcd's client port: any method,
 * any header, any bytes as the body, and streamed (chunked) responses read line by line as they
 * arrive. One request per connection ({@code Connection: close}).
 */
final class Http1 implements AutoCloseable {
  /** A whole response; header names are lower case. */
  record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
      return status + " " + text();
    }
  }

  private final Socket socket;
  private final InputStream in;
  private int status;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private InputStream body;

  private Http1(int port, int timeoutMillis) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
    socket.setSoTimeout(timeoutMillis);
    socket.setTcpNoDelay(true);
    in = new java.io.BufferedInputStream(socket.getInputStream());
  }

  /** POST with a JSON (or any) body, as {@code curl -X POST -d body}. */
  static Response post(int port, String path, String body) throws IOException {
    return exchange(port, "POST", path, Map.of(), body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  static Response get(int port, String path) throws IOException {
    return exchange(port, "GET", path, Map.of(), null);
  }

  /** One request and its whole response. */
  static Response exchange(int port, String method, String path, Map<String, String> extraHeaders, byte[] body)
      throws IOException {
    try (Http1 c = open(port, method, path, extraHeaders, body, 15_000)) {
      return new Response(c.status, c.headers, c.body.readAllBytes());
    }
  }

  /** Sends a request and reads the response head; the body is then read with {@link #readLine}. */
  static Http1 open(int port, String method, String path, Map<String, String> extraHeaders, byte[] body,
      int timeoutMillis) throws IOException {
    Http1 c = new Http1(port, timeoutMillis);
    try {
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
      Map<String, String> h = new LinkedHashMap<>();
      h.put("Host", "127.0.0.1:" + port);
      h.put("User-Agent", "curl/7.88.1");
      h.put("Accept", "*/*");
      if (body != null) {
        h.put("Content-Length", Integer.toString(body.length));
        h.put("Content-Type", "application/x-www-form-urlencoded");
      }
      h.put("Connection", "close");
      h.putAll(extraHeaders);
      h.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append("\r\n");
      req.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        req.write(body);
      }
      c.sendRaw(req.toByteArray());
      c.readHead();
      return c;
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Raw bytes on a fresh connection (for requests no well-behaved client would send). */
  static Http1 raw(int port, int timeoutMillis) throws IOException {
    return new Http1(port, timeoutMillis);
  }

  void sendRaw(byte[] bytes) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(bytes);
    out.flush();
  }

  int status() {
    return status;
  }

  Map<String, String> headers() {
    return headers;
  }

  /** The next line of the (de-chunked) body without its newline; null at the end of the body. */
  String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = body.read()) != -1; ) {
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
  }

  /** Like {@link #readLine} but null (instead of an exception) when nothing arrives within the timeout. */
  String readLineOrNullOnTimeout(int millis) throws IOException {
    int old = socket.getSoTimeout();
    socket.setSoTimeout(millis);
    try {
      return readLine();
    } catch (SocketTimeoutException e) {
      return null;
    } finally {
      socket.setSoTimeout(old);
    }
  }

  /** Reads a response head and prepares its body; usable after {@link #raw} and {@link #sendRaw}. */
  void readHead() throws IOException {
    do {
      // an interim 1xx (100 Continue) is followed by the real response; 101 is final
      String statusLine = headLine();
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
        throw new IOException("not an HTTP response: " + statusLine);
      }
      status = Integer.parseInt(parts[1]);
      headers.clear();
      for (String l; !(l = headLine()).isEmpty(); ) {
        int colon = l.indexOf(':');
        if (colon <= 0) {
          throw new IOException("bad header line: " + l);
        }
        headers.merge(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim(),
            (a, b) -> a + ", " + b);
      }
    } while (status >= 100 && status < 200 && status != 101);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = new Chunked(in);
    } else if (headers.containsKey("content-length")) {
      body = new Bounded(in, Long.parseLong(headers.get("content-length")));
    } else {
      body = in;
    }
  }

  /** The rest of the body. */
  byte[] readBody() throws IOException {
    return body.readAllBytes();
  }

  private String headLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != -1; ) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    throw new EOFException("connection closed in the response head");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** Transfer-Encoding: chunked, decoded as it arrives. */
  private static final class Chunked extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    Chunked(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        String size = line();
        int semi = size.indexOf(';');
        left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
        if (left == 0) {
          for (String trailer; !(trailer = line()).isEmpty(); ) {
            // trailers are ignored
          }
          done = true;
          return -1;
        }
      }
      int b = in.read();
      if (b == -1) {
        throw new EOFException("connection closed inside a chunk");
      }
      if (--left == 0) {
        line(); // the CRLF after the chunk data
      }
      return b;
    }

    private String line() throws IOException {
      StringBuilder sb = new StringBuilder();
      for (int b; (b = in.read()) != -1; ) {
        if (b == '\n') {
          return sb.toString().replace("\r", "");
        }
        sb.append((char) b);
      }
      throw new EOFException("connection closed in chunk framing");
    }
  }

  /** A Content-Length body. */
  private static final class Bounded extends InputStream {
    private final InputStream in;
    private long left;

    Bounded(InputStream in, long length) {
      this.in = in;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }
  }
}
