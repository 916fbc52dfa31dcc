package io.cairn.server.it;

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
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** gRPC helpers for the auth tests: a channel per member, tokens as etcd clients send them, status assertions. */
final class AuthClients implements AutoCloseable {
  final ManagedChannel channel;

  AuthClients(Member m) {
    channel = ManagedChannelBuilder.forTarget(m.endpoint()).usePlaintext().build();
  }

  /** The channel sending {@code token} as metadata "token" (clientv3, jetcd); null: no token. */
  Channel as(String token) {
    if (token == null) {
      return channel;
    }
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  String login(String user, String password) {
    return AuthGrpc.newBlockingStub(channel)
        .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build()).getToken();
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** root (with the root role), then auth on; returns root's token. */
  String enableWithRoot(String rootPassword) {
    AuthGrpc.AuthBlockingStub a = AuthGrpc.newBlockingStub(channel);
    a.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword(rootPassword).build());
    a.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build()); // as etcdctl auth enable does
    a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
    a.authEnable(AuthEnableRequest.getDefaultInstance());
    return login("root", rootPassword);
  }

  /** A user with one role holding {@code perms} (type, key, range end), made by root. */
  void user(String rootToken, String name, String password, String role, Object... perms) {
    AuthGrpc.AuthBlockingStub a = AuthGrpc.newBlockingStub(as(rootToken));
    a.userAdd(AuthUserAddRequest.newBuilder().setName(name).setPassword(password).build());
    if (role == null) {
      return;
    }
    a.roleAdd(AuthRoleAddRequest.newBuilder().setName(role).build());
    for (int i = 0; i < perms.length; i += 3) {
      a.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName(role)
          .setPerm(Permission.newBuilder().setPermType((Permission.Type) perms[i]).setKey(b((String) perms[i + 1]))
              .setRangeEnd(b((String) perms[i + 2]))).build());
    }
    a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(name).setRole(role).build());
  }

  static void refused(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    });
  }

  static void denied(ThrowingCallable call) {
    refused(call, Status.Code.PERMISSION_DENIED, "etcdserver: permission denied");
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
