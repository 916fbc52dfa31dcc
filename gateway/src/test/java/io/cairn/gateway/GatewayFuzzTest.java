package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Seeded random bad input: whatever arrives, the gateway answers 2xx-4xx and keeps serving. */
class GatewayFuzzTest {
  private static final long SEED = 20261126L;
  private static final long BUDGET_NANOS = 5_000_000_000L;
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = new TestGateway(GatewayOptions.builder().maxBodyBytes(2048).build(), new FakeEndpoints());
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static final String[] FRAGMENTS = {
    "{", "}", "[", "]", "\"", ":", ",", "\\", "\"key\"", "\"Zm9v\"", "\"limit\"", "\"-1\"", "1e99", "null", "true",
    "\"create_request\"", "\"ID\"", "\"sort_order\"", "\"SIDEWAYS\"", "\u00e9", "\u0000", "\n", " ", "18446744073709551616",
    "\"range_end\"", "\"compare\"", "{\"key\":\"Zm9v\"}", "\"\\u12\"", "NaN", "-"
  };

  private static String randomBody(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int n = rnd.nextInt(20);
    for (int i = 0; i < n; i++) {
      sb.append(FRAGMENTS[rnd.nextInt(FRAGMENTS.length)]);
    }
    if (rnd.nextInt(10) == 0) {
      sb.append("x".repeat(rnd.nextInt(5000)));
    }
    return sb.toString();
  }

  private static String randomPath(Random rnd, List<String> known) {
    return switch (rnd.nextInt(6)) {
      case 0 -> "/v3/" + Long.toString(rnd.nextLong() & 0xffffff, 36);
      case 1 -> "/" + Long.toString(rnd.nextLong() & 0xffff, 36) + "/" + rnd.nextInt(100);
      case 2 -> known.get(rnd.nextInt(known.size())) + (rnd.nextBoolean() ? "/" : "?x=%zz");
      case 3 -> "/v3beta" + known.get(rnd.nextInt(known.size())).substring(3);
      default -> known.get(rnd.nextInt(known.size()));
    };
  }

  @Test
  void randomRequestsNeverGet5xx() throws Exception {
    Random rnd = new Random(SEED);
    List<String> known = new ArrayList<>(RouteTableTest.expected().keySet());
    known.addAll(List.of("/health", "/livez", "/readyz/non_learner", "/version", "/metrics"));
    String[] methods = {"POST", "POST", "POST", "GET", "PUT", "DELETE", "OPTIONS", "PATCH"};
    long deadline = System.nanoTime() + BUDGET_NANOS;
    int sent = 0;
    while (sent < 400 && System.nanoTime() < deadline) {
      String method = methods[rnd.nextInt(methods.length)];
      String path = randomPath(rnd, known);
      byte[] body = randomBody(rnd).getBytes(StandardCharsets.UTF_8);
      if (body.length > 0 && rnd.nextInt(20) == 0) {
        body[rnd.nextInt(body.length)] = (byte) 0xff;
      }
      boolean chunked = rnd.nextBoolean();
      int status;
      try (RawHttp raw = new RawHttp(gw.port())) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n");
        try {
          raw.write(head + "\r\n");
          if (chunked) {
            int split = body.length == 0 ? 0 : rnd.nextInt(body.length);
            writeChunk(raw, body, 0, split);
            writeChunk(raw, body, split, body.length);
            raw.lastChunk();
          } else {
            raw.write(body);
          }
        } catch (IOException e) {
          // the server may answer (e.g. 413) and stop reading before the body is all sent
        }
        status = readStatusTolerant(raw);
      }
      sent++;
      String what = method + " " + path + " " + new String(body, StandardCharsets.UTF_8);
      assertThat(status).as(what).isBetween(200, 499);
    }
    assertThat(sent).isGreaterThan(50);
    // and the gateway still works afterwards
    assertThat(gw.post("/v3/kv/range", "{\"key\":\"Zm9v\"}").statusCode()).isEqualTo(200);
  }

  private static void writeChunk(RawHttp raw, byte[] body, int from, int to) throws IOException {
    if (to > from) {
      raw.write(Integer.toHexString(to - from) + "\r\n");
      raw.out.write(body, from, to - from);
      raw.write("\r\n");
    }
  }

  /** The status line is what counts; the server closes gracefully, so it must always arrive. */
  private static int readStatusTolerant(RawHttp raw) throws IOException {
    return raw.readHead().status();
  }
}
