package io.cairn.storage.failpoint;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.storage.failpoint.Failpoints.Point;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FailpointsTest {
  @AfterEach
  void off() {
    Failpoints.reset();
  }

  @Test
  void inertUnlessEnabled() {
    assertThatCode(() -> Failpoints.hit(Point.raftAfterSave)).doesNotThrowAnyException();
  }

  @Test
  void anErrorFailpointThrowsOnlyOnItsHit() {
    Failpoints.configure("applyBeforeCommit=3*error");
    Failpoints.hit(Point.applyBeforeCommit);
    Failpoints.hit(Point.applyBeforeCommit);
    assertThatThrownBy(() -> Failpoints.hit(Point.applyBeforeCommit)).hasMessageContaining("applyBeforeCommit");
    assertThatCode(() -> Failpoints.hit(Point.applyBeforeCommit)).doesNotThrowAnyException();
    assertThatCode(() -> Failpoints.hit(Point.raftAfterSave)).doesNotThrowAnyException();
  }

  @Test
  void unknownNamesAndActionsAreRefused() {
    assertThatThrownBy(() -> Failpoints.configure("noSuchPoint=panic")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Failpoints.configure("raftAfterSave=explode")).isInstanceOf(IllegalArgumentException.class);
  }
}
