package io.cairn.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.authpb.Permission;
import io.cairn.proto.etcdserverpb.AuthEnableRequest;
import io.cairn.proto.etcdserverpb.AuthGrpc;
import io.cairn.proto.etcdserverpb.AuthRoleAddRequest;
import io.cairn.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.cairn.proto.etcdserverpb.AuthUserAddRequest;
import io.cairn.proto.etcdserverpb.AuthUserGrantRoleRequest;
import io.cairn.proto.etcdserverpb.AuthenticateRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeStreamResponse;
import io.cairn.server.InProcessServer;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RangeStream with auth on: the permission is checked once, at the start; an auth change mid-stream ends it. */
class RangeStreamAuthTest {
  @TempDir Path dir;

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static Channel as(Channel ch, String token) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
    return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  static void grant(AuthGrpc.AuthBlockingStub a, String role, String key, String end) {
    a.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName(role)
        .setPerm(Permission.newBuilder().setPermType(Permission.Type.READ).setKey(bs(key)).setRangeEnd(bs(end)))
        .build());
  }

  @Test
  void permissionAtTheStartAndAuthChangesEndTheStream() throws Exception {
    try (InProcessServer server = new InProcessServer(dir, "--election-timeout", "1000", "--bcrypt-cost", "4")) {
      RangeStreamTest.writeWide(KVGrpc.newBlockingStub(server.channel), "a/", 600);
      AuthGrpc.AuthBlockingStub admin = AuthGrpc.newBlockingStub(server.channel);
      admin.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
      admin.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
      admin.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
      admin.userAdd(AuthUserAddRequest.newBuilder().setName("u").setPassword("upw").build());
      admin.roleAdd(AuthRoleAddRequest.newBuilder().setName("r").build());
      grant(admin, "r", "a/", "a0");
      admin.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("u").setRole("r").build());
      admin.authEnable(AuthEnableRequest.getDefaultInstance());
      AuthGrpc.AuthBlockingStub login = AuthGrpc.newBlockingStub(server.channel);
      String root = login.authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw").build())
          .getToken();
      String user = login.authenticate(AuthenticateRequest.newBuilder().setName("u").setPassword("upw").build())
          .getToken();
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(as(server.channel, user))
          .withMaxInboundMessageSize(64 << 20).withDeadlineAfter(60, TimeUnit.SECONDS);

      // outside the granted range: refused before anything is sent
      assertThatThrownBy(() -> kv.rangeStream(RangeRequest.newBuilder().setKey(bs("b/")).setRangeEnd(bs("b0"))
          .build()).forEachRemaining(m -> { }))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: permission denied");
          });

      Iterator<RangeStreamResponse> it = kv.rangeStream(RangeRequest.newBuilder().setKey(bs("a/"))
          .setRangeEnd(bs("a0")).build());
      List<RangeStreamResponse> got = new ArrayList<>();
      got.add(it.next());
      // any auth change raises the auth revision
      grant(AuthGrpc.newBlockingStub(as(server.channel, root)), "r", "c/", "c0");
      assertThatThrownBy(() -> it.forEachRemaining(got::add))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: revision of auth store is old");
          });
      assertThat(got).noneMatch(m -> m.getRangeResponse().hasHeader());
    }
  }
}
