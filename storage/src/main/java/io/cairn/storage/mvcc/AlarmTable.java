package io.cairn.storage.mvcc;

import io.cairn.proto.etcdserverpb.AlarmMember;
import io.cairn.proto.etcdserverpb.AlarmRequest;
import io.cairn.proto.etcdserverpb.AlarmResponse;
import io.cairn.proto.etcdserverpb.AlarmType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * etcd's alarm bucket: the alarms raised through Raft and not yet disarmed, one meta row per (member, alarm), so
 * they survive a restart and travel with a snapshot (a checkpoint holds the meta column family). Readers see an
 * immutable list published after each committed change: the apply thread consults it for every write.
 */
final class AlarmTable {
  private static final byte[] PREFIX = "alarm/".getBytes(StandardCharsets.US_ASCII);
  private static final Comparator<AlarmMember> ORDER = Comparator.comparingInt(AlarmMember::getAlarmValue)
      .thenComparing(AlarmMember::getMemberID, Long::compareUnsigned);

  private volatile List<AlarmMember> active;

  AlarmTable(KvDatabase db) {
    List<AlarmMember> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(db.meta)) {
      for (it.seek(PREFIX); it.isValid() && startsWith(it.key()); it.next()) {
        byte[] k = it.key();
        long member = KeyCodec.getLong(k, PREFIX.length);
        int type = (int) KeyCodec.getLong(k, PREFIX.length + 8);
        out.add(AlarmMember.newBuilder().setMemberID(member).setAlarmValue(type).build());
      }
    }
    out.sort(ORDER);
    active = List.copyOf(out);
  }

  List<AlarmMember> all() {
    return active;
  }

  /**
   * etcd's apply of an AlarmRequest: ACTIVATE answers with the alarm (also when it was already raised), DEACTIVATE
   * with the alarm it removed (nothing if it was not raised), GET with the alarms of that type (NONE: all).
   */
  AlarmResponse apply(WriteTxn w, AlarmRequest req) {
    AlarmResponse.Builder resp = AlarmResponse.newBuilder();
    AlarmMember m = AlarmMember.newBuilder().setMemberID(req.getMemberID()).setAlarm(req.getAlarm()).build();
    List<AlarmMember> next = new ArrayList<>(active);
    switch (req.getAction()) {
      case GET -> resp.addAllAlarms(ofType(active, req.getAlarm()));
      case ACTIVATE -> {
        if (req.getAlarm() == AlarmType.NONE || req.getAlarm() == AlarmType.UNRECOGNIZED) {
          break;
        }
        resp.addAlarms(m);
        if (!next.contains(m)) {
          w.putMetaBytes(key(m), new byte[0]);
          next.add(m);
        }
      }
      case DEACTIVATE -> {
        if (next.remove(m)) {
          w.deleteMeta(key(m));
          resp.addAlarms(m);
        }
      }
      default -> { }
    }
    next.sort(ORDER);
    List<AlarmMember> published = List.copyOf(next);
    w.afterCommit(() -> active = published);
    return resp.build();
  }

  static List<AlarmMember> ofType(List<AlarmMember> all, AlarmType type) {
    if (type == AlarmType.NONE) {
      return all;
    }
    return all.stream().filter(a -> a.getAlarm() == type).toList();
  }

  private static byte[] key(AlarmMember m) {
    byte[] k = Arrays.copyOf(PREFIX, PREFIX.length + 16);
    System.arraycopy(KeyCodec.longBytes(m.getMemberID()), 0, k, PREFIX.length, 8);
    System.arraycopy(KeyCodec.longBytes(m.getAlarmValue()), 0, k, PREFIX.length + 8, 8);
    return k;
  }

  private static boolean startsWith(byte[] k) {
    return k.length == PREFIX.length + 16 && Arrays.equals(k, 0, PREFIX.length, PREFIX, 0, PREFIX.length);
  }
}
