package io.cairn.server.corrupt;

import io.cairn.server.cluster.MemberIds;
import io.cairn.storage.mvcc.CompactionHashes;
import io.cairn.storage.mvcc.StoreHash;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd 3.6's CompactHashCheck ({@code --feature-gates=CompactHashCheck=true}, 3.5
 * {@code --experimental-compact-hash-check-enabled}), run by the leader every {@code --compact-hash-check-time}: for
 * its hashes taken at compactions not yet checked, newest first, it asks every follower for its hash at that
 * revision. Followers that compacted from the same previous revision must agree; a minority that differs from a
 * quorum is marked CORRUPT, and when no hash has a quorum every member is. A revision counts as checked only once all
 * followers answered it; then older ones need no check.
 *
 * <p>Owned by the one thread that runs {@link #pass} (the caller's scheduler); not thread-safe.
 */
final class CompactHashCheck {
  private static final Logger LOG = LoggerFactory.getLogger(CompactHashCheck.class);

  private final long self;
  private final CompactionHashes hashes;
  private final LongFunction<List<PeerHashes.PeerHash>> peers;
  private final LongConsumer markCorrupt;
  private long latestRevisionChecked;

  CompactHashCheck(long self, CompactionHashes hashes, LongFunction<List<PeerHashes.PeerHash>> peers,
      LongConsumer markCorrupt) {
    this.self = self;
    this.hashes = hashes;
    this.peers = peers;
    this.markCorrupt = markCorrupt;
  }

  /** One check; returns how many of this member's hashes it compared. */
  int pass() {
    LOG.info("starting compact hash check (local-member-id {})", MemberIds.hex(self));
    List<StoreHash> unchecked = hashes.above(latestRevisionChecked);
    for (int i = 0; i < unchecked.size(); i++) {
      StoreHash mine = unchecked.get(i);
      List<PeerHashes.PeerHash> answers = peers.apply(mine.hashRevision());
      if (answers.isEmpty()) {
        continue;
      }
      if (compare(mine, answers)) {
        LOG.info("finished compaction hash check (number-of-hashes-checked {})", i + 1);
        return i + 1;
      }
    }
    LOG.info("finished compaction hash check (number-of-hashes-checked {})", unchecked.size());
    return unchecked.size();
  }

  /** Whether this revision settled the pass: checked on every follower, or a mismatch was found and marked. */
  private boolean compare(StoreHash mine, List<PeerHashes.PeerHash> answers) {
    Map<Integer, List<Long>> membersByHash = new LinkedHashMap<>();
    membersByHash.computeIfAbsent(mine.hash(), h -> new ArrayList<>()).add(self);
    int checked = 0;
    for (PeerHashes.PeerHash p : answers) {
      String skipped = p.resp() == null ? "no response"
          : p.resp().getCompactRevision() != mine.compactRevision() ? "different compact revision" : null;
      if (skipped != null) {
        LOG.warn("skipped checking hash; {} (revision {}, target-member-id {})", skipped, mine.hashRevision(),
            MemberIds.hex(p.id()));
        continue;
      }
      checked++;
      membersByHash.computeIfAbsent(p.resp().getHash(), h -> new ArrayList<>()).add(p.id());
    }
    if (membersByHash.size() == 1) {
      if (checked == answers.size()) {
        LOG.info("successfully checked hash on whole cluster (number-of-peers-checked {}, revision {}, "
            + "compactRevision {})", checked, mine.hashRevision(), mine.compactRevision());
        latestRevisionChecked = Math.max(latestRevisionChecked, mine.hashRevision());
        return true;
      }
      LOG.warn("skipped revision in compaction hash check; was not able to check all peers (number-of-peers-checked "
          + "{}, number-of-peers {}, revision {}, compactRevision {})", checked, answers.size(), mine.hashRevision(),
          mine.compactRevision());
      return false;
    }
    int quorum = (answers.size() + 1) / 2 + 1;
    for (Map.Entry<Integer, List<Long>> majority : membersByHash.entrySet()) {
      if (majority.getValue().size() >= quorum) {
        for (Map.Entry<Integer, List<Long>> e : membersByHash.entrySet()) {
          if (!e.getKey().equals(majority.getKey())) {
            for (long id : e.getValue()) {
              LOG.error("detected compaction hash mismatch (revision {}, expected-hash {}, actual-hash {}, "
                  + "member-id {})", mine.hashRevision(), majority.getKey(), e.getKey(), MemberIds.hex(id));
              markCorrupt.accept(id);
            }
          }
        }
        return true;
      }
    }
    LOG.error("detected compaction hash mismatch but cannot identify the corrupted members, so intentionally fail "
        + "all members (revision {}, hashes {})", mine.hashRevision(), printable(membersByHash));
    membersByHash.values().forEach(ids -> ids.forEach(markCorrupt::accept));
    return true;
  }

  private static Map<String, List<String>> printable(Map<Integer, List<Long>> byHash) {
    Map<String, List<String>> out = new HashMap<>();
    byHash.forEach((h, ids) -> out.put(Integer.toUnsignedString(h), ids.stream().map(MemberIds::hex).toList()));
    return out;
  }
}
