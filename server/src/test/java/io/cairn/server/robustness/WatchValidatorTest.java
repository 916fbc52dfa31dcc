package io.cairn.server.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.WatchValidator.Event;
import io.cairn.server.robustness.WatchValidator.Type;
import io.cairn.server.robustness.WatchValidator.Watch;
import io.cairn.server.robustness.WatchValidator.Write;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each watch guarantee must be caught when broken, and a valid stream accepted however batched. */
class WatchValidatorTest {
  // revision 4 is a txn of two puts; prefix "a" covers a and ab, not b
  private final WatchValidator validator = new WatchValidator(1, List.of(
      Write.put(2, "a", "1"),
      Write.put(3, "b", "1"),
      Write.put(4, "a", "2"),
      Write.put(4, "ab", "1"),
      Write.delete(5, "a"),
      Write.put(6, "a", "3")));

  // what a prefix watch on "a" from revision 2 gets: 2, 4, 4, 5, 6
  private final List<Event> e = validator.expected("a", true, 2, true);

  private static Watch watch(long start, List<List<Event>> responses) {
    return new Watch("w", "a", true, start, true, responses);
  }

  private void assertViolation(Verdict v, String words) {
    System.out.println(v);
    assertThat(v.isViolation()).as("%s", v).isTrue();
    assertThat(v.explanation()).contains(words);
  }

  @Test
  void derivesEtcdEventsFromTheWrites() {
    assertThat(e).containsExactly(
        new Event(Type.PUT, new KV("a", "1", 2, 2, 1), null),
        new Event(Type.PUT, new KV("a", "2", 4, 2, 2), new KV("a", "1", 2, 2, 1)),
        new Event(Type.PUT, new KV("ab", "1", 4, 4, 1), null),
        new Event(Type.DELETE, new KV("a", "", 5, 0, 0), new KV("a", "2", 4, 2, 2)),
        new Event(Type.PUT, new KV("a", "3", 6, 6, 1), null));
  }

  @Test
  void acceptsAValidStreamHoweverBatched() {
    assertThat(validator.validate(watch(2, List.of(e))).isOk()).isTrue();
    assertThat(validator.validate(watch(2, List.of(List.of(e.get(0)), e.subList(1, 3), List.of(),
        e.subList(3, 5)))).isOk()).isTrue();
    assertThat(validator.validate(watch(3, List.of(e.subList(1, 3))))).matches(Verdict::isOk);
    Watch noPrev = new Watch("w", "a", false, 5, false, List.of(validator.expected("a", false, 5, false)));
    assertThat(validator.validate(noPrev).isOk()).as("%s", validator.validate(noPrev)).isTrue();
  }

  @Test
  void acceptsProgressThatFollowsItsEventsAndRejectsOneThatComesFirst() {
    Watch w = watch(2, List.of(e.subList(0, 1), e.subList(1, 3), e.subList(3, 5)));
    // after the first response everything through 3 was sent (3 is b, not watched); after all of them, through 6
    assertThat(validator.validateBookmarks(w, List.of(new WatchValidator.Bookmark(1, 3),
        new WatchValidator.Bookmark(3, 6)))).matches(Verdict::isOk);
    assertViolation(validator.validateBookmarks(w, List.of(new WatchValidator.Bookmark(1, 4))),
        "a progress notification at revision 4 came before the event");
    // a resumed watch on a member behind hears a lower revision: still true
    assertThat(validator.validateBookmarks(w, List.of(new WatchValidator.Bookmark(3, 6),
        new WatchValidator.Bookmark(3, 5)))).matches(Verdict::isOk);
  }

  @Test
  void rejectsAGap() {
    assertViolation(validator.validate(watch(2, List.of(e.subList(0, 3), List.of(e.get(4))))), "gap");
  }

  @Test
  void rejectsAMissedFirstEvent() {
    assertViolation(validator.validate(watch(2, List.of(e.subList(1, 5)))), "gap");
  }

  @Test
  void rejectsADuplicate() {
    assertViolation(validator.validate(watch(2, List.of(e.subList(0, 3), e.subList(2, 5)))), "duplicate event");
  }

  @Test
  void rejectsReordering() {
    assertViolation(validator.validate(watch(2, List.of(e.subList(1, 3), List.of(e.get(0))))), "out of order");
    assertViolation(validator.validate(watch(4, List.of(List.of(e.get(2), e.get(1))))), "out of order");
  }

  @Test
  void rejectsARevisionSplitAcrossResponses() {
    assertViolation(validator.validate(watch(2, List.of(e.subList(0, 2), e.subList(2, 5)))), "split revision 4");
  }

  @Test
  void rejectsARevisionDeliveredPartially() {
    assertViolation(validator.validate(watch(2, List.of(e.subList(0, 2), e.subList(3, 5)))),
        "revision 4 delivered partially");
  }

  @Test
  void rejectsWrongContent() {
    Event wrongVersion = new Event(Type.PUT, new KV("a", "2", 4, 2, 3), e.get(1).prevKv());
    assertViolation(validator.validate(watch(4, List.of(List.of(wrongVersion, e.get(2))))), "wrong content");
    Event noPrev = new Event(Type.DELETE, e.get(3).kv(), null);
    assertViolation(validator.validate(watch(5, List.of(List.of(noPrev)))), "wrong content");
    Event outside = new Event(Type.PUT, new KV("b", "1", 3, 3, 1), null);
    assertViolation(validator.validate(watch(2, List.of(List.of(e.get(0), outside)))), "no watched write");
  }

  @Test
  void rejectsAnEventBeforeTheStartRevision() {
    assertViolation(validator.validate(watch(3, List.of(e))), "before the start revision 3");
  }

  @Test
  void resumedWatchContinuesWithoutLossOrRepeat() {
    Watch first = new Watch("w1", "a", true, 2, true, List.of(e.subList(0, 3)));
    Watch resumed = new Watch("w2", "a", true, 5, true, List.of(e.subList(3, 5)));
    assertThat(validator.validateResumed(List.of(first, resumed)).isOk()).isTrue();
    Watch repeats = new Watch("w2", "a", true, 5, true, List.of(e.subList(1, 5)));
    assertViolation(validator.validateResumed(List.of(first, repeats)), "before the start revision 5");
    Watch loses = new Watch("w2", "a", true, 5, true, List.of(e.subList(4, 5)));
    assertViolation(validator.validateResumed(List.of(first, loses)), "gap");
    Watch late = new Watch("w2", "a", true, 6, true, List.of(e.subList(4, 5)));
    assertViolation(validator.validateResumed(List.of(first, late)), "does not resume");
  }
}
