package io.cairn.server.auth;

import com.google.protobuf.ByteString;
import io.cairn.proto.authpb.Permission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One user's permissions, merged over all its roles (etcd's rangePermCache): per type a sorted list of disjoint
 * half-open key intervals. A request for a range is allowed when one merged interval covers it whole, so grants on
 * [a,c) and [c,e) together allow [b,d) as etcd's interval tree does; a single key is allowed when any interval holds it.
 */
final class RangePerms {
  private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  /** [begin, end); end null = no upper bound. */
  private record Interval(ByteString begin, ByteString end) {}

  private final List<Interval> read;
  private final List<Interval> write;

  private RangePerms(List<Interval> read, List<Interval> write) {
    this.read = read;
    this.write = write;
  }

  static final RangePerms NONE = new RangePerms(List.of(), List.of());

  static RangePerms of(Iterable<Permission> perms) {
    List<Interval> read = new ArrayList<>();
    List<Interval> write = new ArrayList<>();
    for (Permission p : perms) {
      Interval ivl = grant(p.getKey(), p.getRangeEnd());
      switch (p.getPermType()) {
        case READ -> read.add(ivl);
        case WRITE -> write.add(ivl);
        case READWRITE -> {
          read.add(ivl);
          write.add(ivl);
        }
        default -> { } // an unknown type grants nothing
      }
    }
    return new RangePerms(merge(read), merge(write));
  }

  /** A granted permission: no range end = the key alone, "\0" = every key from key on. */
  private static Interval grant(ByteString key, ByteString rangeEnd) {
    if (rangeEnd.isEmpty()) {
      return new Interval(key, key.concat(ZERO));
    }
    return new Interval(key, rangeEnd.equals(ZERO) ? null : rangeEnd);
  }

  /** Sorted, with overlapping or touching intervals joined (etcd's Contains treats touching ones as contiguous). */
  private static List<Interval> merge(List<Interval> in) {
    in.sort((a, b) -> ORDER.compare(a.begin(), b.begin()));
    List<Interval> out = new ArrayList<>();
    for (Interval i : in) {
      if (!out.isEmpty()) {
        Interval last = out.get(out.size() - 1);
        if (last.end() == null || ORDER.compare(i.begin(), last.end()) <= 0) {
          ByteString end = last.end() == null || i.end() == null ? null
              : ORDER.compare(last.end(), i.end()) >= 0 ? last.end() : i.end();
          out.set(out.size() - 1, new Interval(last.begin(), end));
          continue;
        }
      }
      out.add(i);
    }
    return List.copyOf(out);
  }

  boolean canRead(ByteString key, ByteString rangeEnd) {
    return covers(read, key, rangeEnd);
  }

  boolean canWrite(ByteString key, ByteString rangeEnd) {
    return covers(write, key, rangeEnd);
  }

  /** A request's [key, rangeEnd): empty rangeEnd = the key alone, "\0" = from key on. */
  private static boolean covers(List<Interval> merged, ByteString key, ByteString rangeEnd) {
    ByteString end = rangeEnd.isEmpty() ? null : rangeEnd.equals(ZERO) ? null : rangeEnd;
    boolean point = rangeEnd.isEmpty();
    for (Interval i : merged) {
      if (ORDER.compare(i.begin(), key) > 0) {
        return false; // sorted: no later interval starts at or before key
      }
      boolean holdsKey = i.end() == null || ORDER.compare(key, i.end()) < 0;
      if (!holdsKey) {
        continue;
      }
      if (point) {
        return true;
      }
      return i.end() == null || (end != null && ORDER.compare(end, i.end()) <= 0);
    }
    return false;
  }
}
