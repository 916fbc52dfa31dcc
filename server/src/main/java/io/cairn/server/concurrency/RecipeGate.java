package io.cairn.server.concurrency;

import com.google.protobuf.ByteString;
import io.cairn.proto.v3electionpb.CampaignRequest;
import io.cairn.proto.v3electionpb.LeaderKey;
import io.cairn.proto.v3electionpb.LeaderRequest;
import io.cairn.proto.v3electionpb.ProclaimRequest;
import io.cairn.proto.v3electionpb.ResignRequest;
import io.cairn.proto.v3lockpb.LockRequest;
import io.cairn.proto.v3lockpb.UnlockRequest;
import io.cairn.server.auth.AuthInfo;
import io.cairn.server.auth.AuthStore;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;

/**
 * Lock and Election run their KV operations in-process, not through a client (etcd uses a local clientv3 carrying
 * the caller's token): this gate asks for the permissions those operations need before the recipe starts, so a
 * caller can do through a recipe exactly what it could do with the KV calls. Candidates need read on the name's
 * prefix (to see the queue) and write on their own key; Leader and Observe need read on the prefix; Proclaim,
 * Resign and Unlock need read and write on the key they name.
 */
public final class RecipeGate implements ServerInterceptor {
  private final AuthStore auth;

  public RecipeGate(AuthStore auth) {
    this.auth = auth;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> inner = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
      private boolean refused;

      @Override
      public void onMessage(Q msg) {
        if (auth.enabled()) {
          try {
            check(msg); // on the call's thread, with its credentials in the Context
          } catch (StatusRuntimeException e) {
            refused = true;
            call.close(e.getStatus(), new Metadata());
            return;
          }
        }
        super.onMessage(msg);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  private void check(Object msg) {
    if (msg instanceof LockRequest r) {
      candidate(r.getName(), r.getLease());
    } else if (msg instanceof CampaignRequest r) {
      candidate(r.getName(), r.getLease());
    } else if (msg instanceof LeaderRequest r) {
      readPrefix(auth.caller(), r.getName());
    } else if (msg instanceof UnlockRequest r) {
      auth.checkPut(auth.caller(), r.getKey());
    } else if (msg instanceof ProclaimRequest r) {
      ownKey(r.getLeader());
    } else if (msg instanceof ResignRequest r) {
      ownKey(r.getLeader());
    }
  }

  private void candidate(ByteString name, long lease) {
    AuthInfo ai = auth.caller();
    readPrefix(ai, name);
    auth.checkPut(ai, Keys.candidate(Keys.prefix(name), lease));
  }

  private void readPrefix(AuthInfo ai, ByteString name) {
    ByteString prefix = Keys.prefix(name);
    auth.checkRange(ai, prefix, Keys.prefixEnd(prefix));
  }

  private void ownKey(LeaderKey k) {
    AuthInfo ai = auth.caller();
    auth.checkRange(ai, k.getKey(), ByteString.EMPTY);
    auth.checkPut(ai, k.getKey());
  }
}
