package io.cairn.server.peer.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import io.cairn.proto.serverpb.PeerGrpc;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding of the leader's append message (MsgApp with {@code entries} entries of 256 bytes, as
 * Raft sends it to a follower) on the peer stream ({@code Peer.Send}, a stream of {@code raftpb.Message}).
 * There is no conversion between the wire type and the Raft core's: {@code PeerLink} sends, and
 * {@code PeerService} hands to the raft thread, the very {@code raftpb.Message} that {@code RawNode} produces and
 * steps. So the per-message cost is protobuf's, in two forms:
 *
 * <ul>
 *   <li>{@link #encode} / {@link #decode}: {@code toByteArray()} and {@code Message.parseFrom(byte[])}.
 *   <li>{@link #grpcEncode} / {@link #grpcDecode}: what gRPC actually runs on the stream, the {@code Send} method's
 *       protobuf marshaller: {@code stream(m)} drained into an output stream (gRPC drains it into its Netty
 *       buffer), and {@code parse} of a known-length input stream (as gRPC hands a received message to it).
 * </ul>
 *
 * A fresh message is built per trial, so the encoders never find a cached size from a previous trial; within a
 * trial protobuf caches the message's serialized size after the first encode, as it does for a message that is
 * encoded once by the sender. Run with {@code scripts/bench/jmh.sh server PeerMessageBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class PeerMessageBench {
  @Param({"1", "64"})
  public int entries;

  private Message message;
  private byte[] bytes;
  private MethodDescriptor.Marshaller<Message> marshaller;
  private final ByteArrayOutputStream sink = new ByteArrayOutputStream(32 << 10);

  /** gRPC parses from a stream that knows its length (its read buffer), which takes protobuf's array path. */
  static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
    KnownLengthStream(byte[] b) {
      super(b);
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    byte[] data = new byte[256];
    new Random(1).nextBytes(data);
    ByteString payload = ByteString.copyFrom(data);
    Message.Builder b = Message.newBuilder().setType(MessageType.MSG_APP).setTo(2).setFrom(1).setTerm(7)
        .setLogTerm(7).setIndex(1_000_000).setCommit(1_000_000);
    for (int i = 0; i < entries; i++) {
      b.addEntries(Entry.newBuilder().setTerm(7).setIndex(1_000_001 + i).setData(payload));
    }
    message = b.build();
    bytes = message.toByteArray();
    marshaller = PeerGrpc.getSendMethod().getRequestMarshaller();
  }

  @Benchmark
  public byte[] encode() {
    return message.toByteArray();
  }

  @Benchmark
  public Message decode() throws InvalidProtocolBufferException {
    return Message.parseFrom(bytes);
  }

  @Benchmark
  public int grpcEncode() throws IOException {
    sink.reset();
    try (InputStream in = marshaller.stream(message)) {
      ((Drainable) in).drainTo(sink);
    }
    return sink.size();
  }

  @Benchmark
  public Message grpcDecode() {
    return marshaller.parse(new KnownLengthStream(bytes));
  }
}
