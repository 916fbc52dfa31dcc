package io.cairn.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.7's etcd_server_request_duration_seconds: Ranges and read-only Txns are timed, by success; a Txn that
 * writes is not.
 */
class ReadDurationsTest {
  final ServerMetrics metrics = new ServerMetrics();
  Server server;
  ManagedChannel channel;

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void rangesAndReadOnlyTxnsAreTimedBySuccessWritingTxnsAreNot() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(ServerInterceptors.intercept(
        new KVGrpc.KVImplBase() {
          @Override
          public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
            if (req.getKey().isEmpty()) {
              out.onError(Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided")
                  .asRuntimeException());
              return;
            }
            out.onNext(RangeResponse.getDefaultInstance());
            out.onCompleted();
          }

          @Override
          public void txn(TxnRequest req, StreamObserver<TxnResponse> out) {
            out.onNext(TxnResponse.getDefaultInstance());
            out.onCompleted();
          }
        }, new GrpcMetricsInterceptor(metrics.registry(), () -> { }, false))).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
    ByteString k = ByteString.copyFromUtf8("k");

    kv.range(RangeRequest.newBuilder().setKey(k).build());
    kv.range(RangeRequest.newBuilder().setKey(k).build());
    assertThatThrownBy(() -> kv.range(RangeRequest.getDefaultInstance()));
    kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestRange(
        RangeRequest.newBuilder().setKey(k))).build());
    kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
        PutRequest.newBuilder().setKey(k))).build());

    String text = metrics.scrape();
    assertThat(text)
        .contains("etcd_server_request_duration_seconds_count{success=\"true\",type=\"Range\"} 2")
        .contains("etcd_server_request_duration_seconds_count{success=\"false\",type=\"Range\"} 1")
        .contains("etcd_server_request_duration_seconds_count{success=\"true\",type=\"ReadonlyTxn\"} 1")
        .contains("etcd_server_request_duration_seconds_bucket{success=\"true\",type=\"Range\",le=\"1.0E-4\"}");
  }
}
