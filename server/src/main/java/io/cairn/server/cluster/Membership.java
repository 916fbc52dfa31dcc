package io.cairn.server.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.proto.raftpb.ConfChangeSingle;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.serverpb.MemberRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The replicated membership: who the members are, with their names, URLs and learner flag, as the
 * applied configuration changes say. Written only by the apply thread; read by any thread through
 * an immutable published view. Stored in every Raft snapshot so it survives log compaction.
 */
public final class Membership {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Membership.class);
  private volatile List<MemberRecord> view = List.of();
  private volatile Set<Long> removed = Set.of();

  /** Restores from a snapshot's data (empty data: nothing yet). */
  public static Membership fromSnapshot(ByteString data) {
    Membership m = new Membership();
    if (!data.isEmpty()) {
      try {
        io.cairn.proto.serverpb.Membership p = io.cairn.proto.serverpb.Membership.parseFrom(data);
        m.view = List.copyOf(p.getMembersList());
        m.removed = Set.copyOf(p.getRemovedList());
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("undecodable membership in a snapshot", e);
      }
    }
    return m;
  }

  /** Replaces the whole state with a snapshot's (a follower installing the leader's snapshot). */
  public synchronized void restore(ByteString data) {
    Membership m = fromSnapshot(data);
    if (!m.view.isEmpty()) {
      view = m.view;
      removed = m.removed;
    }
  }

  public ByteString toSnapshot() {
    return io.cairn.proto.serverpb.Membership.newBuilder().addAllMembers(view).addAllRemoved(removed)
        .build().toByteString();
  }

  public List<MemberRecord> members() {
    return view;
  }

  public MemberRecord get(long id) {
    for (MemberRecord r : view) {
      if (r.getId() == id) {
        return r;
      }
    }
    return null;
  }

  public boolean isRemoved(long id) {
    return removed.contains(id);
  }

  /** Applies one committed configuration change (idempotent: a replayed change leaves the same state). */
  public synchronized void apply(ConfChangeV2 cc) {
    TreeMap<Long, MemberRecord> m = new TreeMap<>(Long::compareUnsigned);
    view.forEach(r -> m.put(r.getId(), r));
    Set<Long> gone = new HashSet<>(removed);
    MemberRecord ctx = context(cc.getContext());
    for (ConfChangeSingle c : cc.getChangesList()) {
      long id = c.getNodeId();
      MemberRecord known = m.get(id);
      MemberRecord given = ctx != null && ctx.getId() == id ? ctx : null;
      switch (c.getType()) {
        case ADD_NODE, ADD_LEARNER_NODE -> {
          boolean learner = c.getType() == io.cairn.proto.raftpb.ConfChangeType.ADD_LEARNER_NODE;
          MemberRecord base = known != null ? known : given != null ? given : MemberRecord.newBuilder().setId(id).build();
          m.put(id, base.toBuilder().setIsLearner(learner).build());
          if (known == null) {
            LOG.atInfo().addKeyValue("added-peer-id", MemberIds.hex(id))
                .addKeyValue("added-peer-peer-urls", base.getPeerUrlsList()).addKeyValue("added-peer-is-learner", learner)
                .log("added member");
          } else if (known.getIsLearner() && !learner) {
            LOG.atInfo().addKeyValue("promoted-member-id", MemberIds.hex(id)).log("promote member");
          }
        }
        case REMOVE_NODE -> {
          if (m.remove(id) != null) {
            LOG.atInfo().addKeyValue("removed-remote-peer-id", MemberIds.hex(id))
                .addKeyValue("removed-remote-peer-urls", known.getPeerUrlsList()).log("removed member");
          }
          gone.add(id);
        }
        case UPDATE_NODE -> {
          if (known != null && given != null) {
            // MemberUpdate changes peer URLs; a member publishing its attributes sets name and client URLs
            MemberRecord.Builder b = known.toBuilder();
            if (given.getPeerUrlsCount() > 0) {
              b.clearPeerUrls().addAllPeerUrls(given.getPeerUrlsList());
              if (!given.getPeerUrlsList().equals(known.getPeerUrlsList())) {
                LOG.atInfo().addKeyValue("updated-remote-peer-id", MemberIds.hex(id))
                    .addKeyValue("updated-remote-peer-urls", given.getPeerUrlsList()).log("updated member");
              }
            }
            if (!given.getName().isEmpty()) {
              b.setName(given.getName()).clearClientUrls().addAllClientUrls(given.getClientUrlsList());
            }
            m.put(id, b.build());
          }
        }
        default -> { }
      }
    }
    view = Collections.unmodifiableList(new ArrayList<>(m.values()));
    removed = Set.copyOf(gone);
  }

  /** Applies a member's published name and client URLs (a no-op for a member no longer present). */
  public synchronized void applyAttributes(MemberRecord attrs) {
    List<MemberRecord> next = new ArrayList<>(view.size());
    for (MemberRecord r : view) {
      next.add(r.getId() == attrs.getId()
          ? r.toBuilder().setName(attrs.getName()).clearClientUrls().addAllClientUrls(attrs.getClientUrlsList()).build()
          : r);
    }
    view = Collections.unmodifiableList(next);
  }

  private static MemberRecord context(ByteString ctx) {
    if (ctx.isEmpty()) {
      return null;
    }
    try {
      return MemberRecord.parseFrom(ctx);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }
}
