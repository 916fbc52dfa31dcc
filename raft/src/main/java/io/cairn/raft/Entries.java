package io.cairn.raft;

import io.cairn.proto.raftpb.Entry;
import java.util.List;

/** Small helpers over entry lists; {@link #limitSize} is the size rule every {@link RaftStorage} applies. */
public final class Entries {
  private Entries() {}

  /** Payload size used for all byte limits. */
  static long size(Entry e) {
    return e.getData().size();
  }

  static long size(List<Entry> es) {
    long s = 0;
    for (Entry e : es) {
      s += size(e);
    }
    return s;
  }

  /** Longest prefix whose size is within maxBytes, but always at least one entry. */
  public static List<Entry> limitSize(List<Entry> es, long maxBytes) {
    if (es.isEmpty()) {
      return es;
    }
    long total = size(es.get(0));
    int n = 1;
    for (; n < es.size(); n++) {
      total += size(es.get(n));
      if (total > maxBytes) {
        break;
      }
    }
    return n == es.size() ? es : es.subList(0, n);
  }
}
