package io.cairn.server.robustness;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What clients saw: each operation with its call and return time, its request and its outcome.
 * The store starts empty at {@code baseRevision} (a fresh etcd or Cairn is at revision 1) and the
 * recorded clients are its only writers: every revision above the base must be explained by an
 * operation here. Put values must be unique across the history, as in etcd's robustness suite,
 * so that a value read names the write that produced it.
 */
record History(long baseRevision, List<Op> ops) {
  History {
    ops = List.copyOf(ops);
  }

  /** A key as the store holds it; {@code lease} is 0 when none. */
  record KV(String key, String value, long modRevision, long createRevision, long version, long lease) {
    KV(String key, String value, long modRevision, long createRevision, long version) {
      this(key, value, modRevision, createRevision, version, 0);
    }

    @Override
    public String toString() {
      return key + "=" + value + " (mod " + modRevision + ", create " + createRevision + ", ver " + version
          + (lease == 0 ? "" : ", lease " + lease) + ")";
    }
  }

  sealed interface Request permits Put, Range, Delete, Cas { }

  record Put(String key, String value, long lease) implements Request {
    Put(String key, String value) {
      this(key, value, 0);
    }

    @Override
    public String toString() {
      return "put " + key + "=" + value + (lease == 0 ? "" : " lease " + lease);
    }
  }

  /** A range of one key, or of every key starting with {@code key} when {@code prefix}. */
  record Range(String key, boolean prefix, boolean serializable) implements Request {
    boolean covers(String k) {
      return prefix ? k.startsWith(key) : k.equals(key);
    }

    @Override
    public String toString() {
      return (serializable ? "serializable " : "") + "get " + key + (prefix ? "*" : "");
    }
  }

  record Delete(String key) implements Request {
    @Override
    public String toString() {
      return "delete " + key;
    }
  }

  /** if mod_revision(key) == expected then put(key, value) else range(key); expected 0 means absent. */
  record Cas(String key, long expectedModRevision, String value) implements Request {
    @Override
    public String toString() {
      return "cas " + key + "@" + expectedModRevision + "->" + value;
    }
  }

  /**
   * An OK response: the header revision, the keys read (a range, or the else branch of a CAS),
   * the deleted count and whether a CAS took its then branch.
   */
  record Response(long revision, List<KV> kvs, long deleted, boolean succeeded) {
    Response {
      kvs = List.copyOf(kvs);
    }

    static Response put(long revision) {
      return new Response(revision, List.of(), 0, false);
    }

    static Response range(long revision, List<KV> kvs) {
      return new Response(revision, kvs, 0, false);
    }

    static Response delete(long revision, long deleted) {
      return new Response(revision, List.of(), deleted, false);
    }

    static Response cas(long revision, boolean succeeded, List<KV> kvs) {
      return new Response(revision, kvs, 0, succeeded);
    }
  }

  /**
   * One call. {@code response} is null when the outcome is unknown (error or timeout): such a write
   * may take effect at any time after {@code call}, or never, so its {@code ret} bounds nothing.
   */
  record Op(int id, int client, long call, long ret, Request request, Response response) {
    boolean unknown() {
      return response == null;
    }

    boolean isWrite() {
      return !(request instanceof Range);
    }

    /** Whether this OK op created a revision: a put, a delete that deleted, a CAS that succeeded. */
    boolean mutated() {
      if (response == null) {
        return false;
      }
      if (request instanceof Put) {
        return true;
      }
      if (request instanceof Delete) {
        return response.deleted() > 0;
      }
      return request instanceof Cas && response.succeeded();
    }

    @Override
    public String toString() {
      String out;
      if (response == null) {
        out = "UNKNOWN";
      } else {
        out = "rev " + response.revision();
        if (request instanceof Range || (request instanceof Cas && !response.succeeded())) {
          out += " " + response.kvs();
        }
        if (request instanceof Delete) {
          out += " deleted " + response.deleted();
        }
        if (request instanceof Cas) {
          out += response.succeeded() ? " succeeded" : " failed";
        }
      }
      return "op#" + id + " [client " + client + ", " + call + ".." + ret + "] " + request + " -> " + out;
    }
  }

  /** A thread-safe history under construction; ids follow the order of appends. */
  static final class Log {
    private final long baseRevision;
    private final List<Op> ops = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    Log(long baseRevision) {
      this.baseRevision = baseRevision;
    }

    Op append(int client, long call, long ret, Request request, Response response) {
      Op op = new Op(ids.getAndIncrement(), client, call, ret, request, response);
      synchronized (ops) {
        ops.add(op);
      }
      return op;
    }

    History history() {
      List<Op> copy;
      synchronized (ops) {
        copy = new ArrayList<>(ops);
      }
      copy.sort(Comparator.comparingInt(Op::id));
      return new History(baseRevision, copy);
    }
  }
}
