package io.cairn.server.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.robustness.History.Cas;
import io.cairn.server.robustness.History.Delete;
import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Op;
import io.cairn.server.robustness.History.Put;
import io.cairn.server.robustness.History.Range;
import io.cairn.server.robustness.History.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-built histories: each kind of violation must be caught, and legal concurrency accepted. */
class LinearizabilityCheckerTest {
  private final List<Op> ops = new ArrayList<>();

  private Op add(int client, long call, long ret, History.Request q, Response r) {
    Op op = new Op(ops.size(), client, call, ret, q, r);
    ops.add(op);
    return op;
  }

  private void put(int client, long call, long ret, String k, String v, long rev) {
    add(client, call, ret, new Put(k, v), Response.put(rev));
  }

  private void putUnknown(int client, long call, String k, String v) {
    add(client, call, call + 1, new Put(k, v), null);
  }

  private void get(int client, long call, long ret, String k, long rev, KV... kvs) {
    add(client, call, ret, new Range(k, false, false), Response.range(rev, List.of(kvs)));
  }

  private void serializableGet(int client, long call, long ret, String k, long rev, KV... kvs) {
    add(client, call, ret, new Range(k, false, true), Response.range(rev, List.of(kvs)));
  }

  private void cas(int client, long call, long ret, String k, long expected, String v, long rev, boolean ok, KV... kvs) {
    add(client, call, ret, new Cas(k, expected, v), Response.cas(rev, ok, List.of(kvs)));
  }

  private static KV kv(String k, String v, long mod, long create, long version) {
    return new KV(k, v, mod, create, version);
  }

  private Verdict check() {
    return new LinearizabilityChecker().check(new History(1, ops));
  }

  private void assertViolation(String... words) {
    Verdict v = check();
    System.out.println(v); // the explanation is the product: keep it readable
    assertThat(v.isViolation()).as("%s", v).isTrue();
    for (String w : words) {
      assertThat(v.explanation()).contains(w);
    }
  }

  @Test
  void acceptsConcurrentOverlappingOps() {
    put(1, 0, 10, "k", "a", 2);
    put(2, 1, 11, "k", "b", 3); // overlaps the first; their revisions order them
    get(3, 2, 3, "k", 1); // called before either put took effect
    get(4, 4, 12, "k", 3, kv("k", "b", 3, 2, 2)); // overlaps both
    get(5, 5, 6, "k", 2, kv("k", "a", 2, 2, 1)); // concurrent with put b: may miss it
    add(6, 13, 14, new Delete("k"), Response.delete(4, 1));
    add(7, 13, 15, new Range("", true, false), Response.range(4, List.of()));
    cas(8, 16, 17, "k", 0, "c", 5, true);
    cas(9, 18, 19, "k", 0, "d", 5, false, kv("k", "c", 5, 5, 1));
    assertThat(check()).satisfies(v -> assertThat(v.isOk()).as("%s", v).isTrue());
  }

  @Test
  void rejectsStaleRead() {
    put(1, 0, 1, "k", "a", 2);
    put(1, 2, 3, "k", "b", 3);
    get(2, 4, 5, "k", 2, kv("k", "a", 2, 2, 1));
    assertViolation("stale read", "op#2", "op#1");
  }

  @Test
  void rejectsLostAcknowledgedWrite() {
    put(1, 0, 1, "k", "a", 2);
    put(1, 2, 3, "k", "b", 3);
    put(2, 2, 3, "x", "z", 4);
    get(3, 4, 5, "k", 4, kv("k", "a", 2, 2, 1)); // revision 4 is current, but the put of b is missing
    assertViolation("wrong read", "not seen", "put k=b");
  }

  @Test
  void rejectsDuplicatedWrite() {
    put(1, 0, 1, "k", "a", 2);
    put(1, 2, 3, "k", "b", 3);
    get(2, 4, 5, "k", 4, kv("k", "a", 4, 2, 3)); // put a applied again at revision 4
    assertViolation("applied twice", "put k=a");
  }

  @Test
  void rejectsUnknownWriteReadAtTwoRevisions() {
    putUnknown(1, 0, "k", "a");
    put(2, 2, 3, "k", "b", 3);
    get(3, 4, 5, "k", 2, kv("k", "a", 2, 2, 1));
    get(3, 6, 7, "k", 4, kv("k", "a", 4, 2, 3));
    assertViolation("applied twice");
  }

  @Test
  void rejectsReadRevisionGoingBackwards() {
    put(1, 0, 1, "k", "a", 2);
    put(2, 0, 10, "k", "b", 3);
    get(3, 2, 3, "k", 3, kv("k", "b", 3, 2, 2));
    get(4, 4, 5, "k", 2, kv("k", "a", 2, 2, 1)); // put b may be in flight, but op#2 already saw it
    assertViolation("revision went backwards", "op#2", "op#3");
  }

  @Test
  void rejectsWriteRevisionGoingBackwards() {
    put(1, 0, 1, "k", "a", 3);
    put(2, 2, 3, "j", "b", 2);
    assertViolation("write order contradicts real time");
  }

  @Test
  void rejectsRevisionReused() {
    put(1, 0, 1, "k", "a", 2);
    put(2, 0, 1, "j", "b", 2);
    assertViolation("revision 2 reused");
  }

  @Test
  void rejectsReadOfValueNeverWritten() {
    put(1, 0, 1, "k", "a", 2);
    get(2, 2, 3, "k", 2, kv("k", "zzz", 2, 2, 1));
    assertViolation("never written", "zzz");
  }

  @Test
  void rejectsReadOfARevisionNobodyWrote() {
    put(1, 0, 1, "k", "a", 2);
    get(2, 2, 3, "k", 5, kv("k", "a", 2, 2, 1));
    assertViolation("revisions nobody wrote", "the first is 3");
  }

  @Test
  void rejectsReadOfAWriteNotYetCalled() {
    get(1, 0, 1, "k", 2, kv("k", "a", 2, 2, 1));
    putUnknown(2, 5, "k", "a");
    assertViolation("read from the future");
  }

  @Test
  void rejectsCasThatCouldNotHaveSucceeded() {
    put(1, 0, 1, "k", "a", 2);
    put(1, 2, 3, "k", "b", 3);
    cas(2, 0, 5, "k", 2, "c", 4, true); // concurrent with put b, but ordered after it by revision
    assertViolation("CAS could not have succeeded", "mod_revision(k) was 3");
  }

  @Test
  void rejectsCasThatFailedWhereItMustSucceed() {
    put(1, 0, 1, "k", "a", 2);
    cas(2, 2, 3, "k", 2, "c", 2, false, kv("k", "a", 2, 2, 1));
    assertViolation("should have succeeded");
  }

  @Test
  void acceptsTimedOutWriteAppliedAfterItsTimeout() {
    putUnknown(1, 0, "k", "a");
    get(2, 5, 6, "k", 1); // not applied yet
    get(2, 7, 8, "k", 2, kv("k", "a", 2, 2, 1));
    assertThat(check().isOk()).as("%s", check()).isTrue();
  }

  @Test
  void acceptsTimedOutWriteAppliedButNeverReadDirectly() {
    putUnknown(1, 0, "k", "a");
    put(2, 2, 3, "k", "b", 3);
    get(3, 4, 5, "k", 3, kv("k", "b", 3, 2, 2)); // version 2: the lost-looking put a happened at 2
    assertThat(check().isOk()).as("%s", check()).isTrue();
  }

  @Test
  void acceptsTimedOutWritesThatWereNotApplied() {
    putUnknown(1, 0, "k", "a");
    add(2, 0, 1, new Delete("j"), null);
    add(3, 0, 1, new Cas("k", 0, "c"), null);
    put(4, 2, 3, "k", "b", 2);
    get(5, 4, 5, "k", 2, kv("k", "b", 2, 2, 1));
    assertThat(check().isOk()).as("%s", check()).isTrue();
  }

  @Test
  void acceptsStaleSerializableReadButNotAWrongOne() {
    put(1, 0, 1, "k", "a", 2);
    put(1, 2, 3, "k", "b", 3);
    serializableGet(2, 4, 5, "k", 2, kv("k", "a", 2, 2, 1));
    assertThat(check().isOk()).as("%s", check()).isTrue();
    serializableGet(2, 6, 7, "k", 3, kv("k", "a", 2, 2, 1));
    assertViolation("wrong read");
  }
}
