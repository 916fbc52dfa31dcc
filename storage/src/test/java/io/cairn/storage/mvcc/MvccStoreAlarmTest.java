package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.etcdserverpb.AlarmMember;
import io.cairn.proto.etcdserverpb.AlarmRequest;
import io.cairn.proto.etcdserverpb.AlarmRequest.AlarmAction;
import io.cairn.proto.etcdserverpb.AlarmResponse;
import io.cairn.proto.etcdserverpb.AlarmType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's alarm store: applied alarm requests, their answers, persistence and travel with a checkpoint. */
class MvccStoreAlarmTest {
  @TempDir Path dir;

  private static AlarmRequest req(AlarmAction action, long member, AlarmType type) {
    return AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarm(type).build();
  }

  private static AlarmMember m(long member, AlarmType type) {
    return AlarmMember.newBuilder().setMemberID(member).setAlarm(type).build();
  }

  private static AlarmResponse apply(MvccStore s, AlarmRequest r, long index) {
    try (StoreBatch b = s.newBatch()) {
      AlarmResponse resp = b.alarm(r, index);
      b.commit();
      return resp;
    }
  }

  @Test
  void activateAnswersTheAlarmDeactivateOnlyWhatItRemoved() {
    try (MvccStore s = MvccStore.open(dir.resolve("s"), fastOptions())) {
      assertThat(apply(s, req(AlarmAction.ACTIVATE, 7, AlarmType.NOSPACE), 1).getAlarmsList())
          .containsExactly(m(7, AlarmType.NOSPACE));
      // raising it again answers it again and stores it once
      assertThat(apply(s, req(AlarmAction.ACTIVATE, 7, AlarmType.NOSPACE), 2).getAlarmsList())
          .containsExactly(m(7, AlarmType.NOSPACE));
      assertThat(apply(s, req(AlarmAction.ACTIVATE, 3, AlarmType.NOSPACE), 3).getAlarmsCount()).isEqualTo(1);
      assertThat(apply(s, req(AlarmAction.ACTIVATE, 9, AlarmType.NONE), 4).getAlarmsCount()).isZero();
      assertThat(s.alarms()).containsExactly(m(3, AlarmType.NOSPACE), m(7, AlarmType.NOSPACE));
      assertThat(s.alarms(AlarmType.CORRUPT)).isEmpty();
      assertThat(apply(s, req(AlarmAction.DEACTIVATE, 5, AlarmType.NOSPACE), 5).getAlarmsCount()).isZero();
      assertThat(apply(s, req(AlarmAction.DEACTIVATE, 7, AlarmType.NOSPACE), 6).getAlarmsList())
          .containsExactly(m(7, AlarmType.NOSPACE));
      assertThat(s.alarms()).containsExactly(m(3, AlarmType.NOSPACE));
      assertThat(s.consistentIndex()).isEqualTo(6);
    }
  }

  @Test
  void alarmsSurviveReopenAndTravelWithACheckpoint() {
    Path checkpoint = dir.resolve("cp");
    try (MvccStore s = MvccStore.open(dir.resolve("s"), fastOptions())) {
      put(s, "a", "1");
      apply(s, req(AlarmAction.ACTIVATE, 1, AlarmType.CORRUPT), 10);
      apply(s, req(AlarmAction.ACTIVATE, 2, AlarmType.NOSPACE), 11);
      s.checkpoint(checkpoint);
    }
    try (MvccStore s = MvccStore.open(dir.resolve("s"), fastOptions())) {
      assertThat(s.alarms()).containsExactly(m(2, AlarmType.NOSPACE), m(1, AlarmType.CORRUPT));
    }
    try (MvccStore other = MvccStore.open(dir.resolve("o"), fastOptions())) {
      assertThat(other.alarms()).isEmpty();
      Path prepared = MvccStore.restoringDir(dir.resolve("o"));
      copyFiles(checkpoint, prepared);
      assertThat(other.restoreFrom(prepared)).isTrue();
      assertThat(other.alarms()).containsExactly(m(2, AlarmType.NOSPACE), m(1, AlarmType.CORRUPT));
    }
  }

  private static void copyFiles(Path from, Path to) {
    try {
      java.nio.file.Files.createDirectories(to);
      try (var files = java.nio.file.Files.list(from)) {
        for (Path f : files.toList()) {
          java.nio.file.Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aReplayedAlarmEntryChangesNothing() {
    try (MvccStore s = MvccStore.open(dir.resolve("s"), fastOptions())) {
      apply(s, req(AlarmAction.ACTIVATE, 1, AlarmType.NOSPACE), 5);
      apply(s, req(AlarmAction.DEACTIVATE, 1, AlarmType.NOSPACE), 4);
      assertThat(s.alarms()).containsExactly(m(1, AlarmType.NOSPACE));
    }
  }
}
