package io.cairn.gateway;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.mvccpb.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JSON gateway's response encoding, as {@code UnaryExchange} answers a unary call: {@link JsonCodec#print}
 * (protobuf's JsonFormat printer with proto field names and no whitespace: etcd's grpc-gateway marshaler), then
 * the UTF-8 bytes {@code Responder} writes. Two responses: a Range of 10 keys of 8 bytes with 256-byte values,
 * and a Put (header only). In the package of {@link JsonCodec} because the codec is package-private.
 * Run with {@code scripts/bench/jmh.sh gateway JsonBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class JsonBench {
  private RangeResponse range;
  private PutResponse put;

  @Setup(Level.Trial)
  public void setUp() {
    // a header as the server fills it in: ids and revisions large enough to print as long strings
    ResponseHeader header = ResponseHeader.newBuilder().setClusterId(0x8e9e05c52164694dL)
        .setMemberId(0x10276657743932L).setRevision(1_234_567).setRaftTerm(7).build();
    Random random = new Random(1);
    RangeResponse.Builder r = RangeResponse.newBuilder().setHeader(header).setCount(10);
    for (int i = 0; i < 10; i++) {
      byte[] value = new byte[256];
      random.nextBytes(value);
      r.addKvs(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(String.format("k%07d", i)))
          .setValue(ByteString.copyFrom(value)).setCreateRevision(1_000_000 + i).setModRevision(1_200_000 + i)
          .setVersion(3));
    }
    range = r.build();
    put = PutResponse.newBuilder().setHeader(header).build();
  }

  @Benchmark
  public byte[] rangeResponse10Kvs() {
    return JsonCodec.print(range).getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  public byte[] putResponse() {
    return JsonCodec.print(put).getBytes(StandardCharsets.UTF_8);
  }
}
