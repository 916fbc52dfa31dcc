package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcdctl's auth, user and role commands, and {@code --user}, against real etcd 3.4 and against Cairn: every command's
 * exit code, stdout and stderr must be identical (ids masked). Covers enabling auth (etcdctl creates the root role on
 * etcd's "root user does not have root role"), key, prefix, range and from-key grants, a user's own reads, password
 * changes, root's protections and every refusal etcd 3.4 also gives. Left out where 3.4 and 3.6 (Cairn's model)
 * differ: "role get root" and the root-only Status call; AuthPermissionMatrixTest covers them.
 */
class AuthEtcdctlDifferentialTest extends SideBySide {

  record Step(String stdin, String... args) {
    static Step of(String... args) {
      return new Step(null, args);
    }
  }

  static List<Step> sequence() {
    List<Step> s = new ArrayList<>();
    s.add(Step.of("put", "k1", "v1"));
    s.add(Step.of("put", "foo1", "f1"));
    s.add(Step.of("auth", "enable"));
    s.add(Step.of("user", "add", "root:pw"));
    s.add(Step.of("user", "add", "u:upw"));
    s.add(Step.of("user", "add", "u:other"));
    s.add(new Step("cnpass\n", "user", "add", "cn-only", "--no-password"));
    s.add(Step.of("user", "list"));
    s.add(Step.of("user", "get", "root"));
    s.add(Step.of("user", "get", "nobody"));
    s.add(Step.of("role", "add", "r1"));
    s.add(Step.of("role", "add", "r1"));
    s.add(Step.of("role", "add", "r2"));
    s.add(Step.of("role", "list"));
    s.add(Step.of("role", "grant-permission", "r1", "read", "k1"));
    s.add(Step.of("role", "grant-permission", "r1", "readwrite", "foo", "--prefix"));
    s.add(Step.of("role", "grant-permission", "r1", "write", "from", "--from-key"));
    s.add(Step.of("role", "grant-permission", "r1", "read", "a", "c"));
    s.add(Step.of("role", "grant-permission", "r1", "write", "k1"));
    s.add(Step.of("role", "grant-permission", "r2", "read", "zz"));
    s.add(Step.of("role", "grant-permission", "nope", "read", "x"));
    s.add(Step.of("role", "get", "r1"));
    s.add(Step.of("role", "get", "nope"));
    s.add(Step.of("user", "grant-role", "u", "r1"));
    s.add(Step.of("user", "grant-role", "u", "r2"));
    s.add(Step.of("user", "grant-role", "u", "r1"));
    s.add(Step.of("user", "grant-role", "u", "nope"));
    s.add(Step.of("user", "grant-role", "nobody", "r1"));
    s.add(Step.of("user", "get", "u"));
    s.add(Step.of("user", "get", "u", "--detail"));
    s.add(Step.of("role", "revoke-permission", "r2", "zz"));
    s.add(Step.of("role", "revoke-permission", "r2", "zz"));
    s.add(Step.of("auth", "enable"));
    // not compared: "role get root" lists read-write on every key since etcd 3.5 (rootPerm); 3.4 lists nothing
    s.add(Step.of("user", "get", "root", "--user", "root:pw"));
    s.add(Step.of("get", "k1"));
    s.add(Step.of("put", "k1", "x"));
    s.add(Step.of("user", "list"));
    s.add(Step.of("get", "k1", "--user", "u:wrong"));
    s.add(Step.of("get", "k1", "--user", "nobody:x"));
    s.add(Step.of("get", "k1", "--user", "u:upw"));
    s.add(Step.of("put", "k1", "v2", "--user", "u:upw"));
    s.add(Step.of("get", "k1", "--user", "u:upw"));
    s.add(Step.of("put", "foo2", "f2", "--user", "u:upw"));
    s.add(Step.of("get", "foo", "--prefix", "--user", "u:upw"));
    s.add(Step.of("get", "", "--prefix", "--user", "u:upw"));
    s.add(Step.of("get", "a", "c", "--user", "u:upw"));
    s.add(Step.of("get", "a", "d", "--user", "u:upw"));
    s.add(Step.of("put", "fromage", "x", "--user", "u:upw"));
    s.add(Step.of("put", "zzz", "x", "--user", "u:upw"));
    s.add(Step.of("get", "zzz", "--user", "u:upw"));
    s.add(Step.of("del", "foo", "--prefix", "--user", "u:upw"));
    s.add(Step.of("del", "k1", "--user", "u:upw"));
    s.add(Step.of("put", "k1", "v3", "--prev-kv", "--user", "u:upw"));
    s.add(Step.of("user", "list", "--user", "u:upw"));
    s.add(Step.of("user", "get", "u", "--user", "u:upw"));
    s.add(Step.of("user", "get", "root", "--user", "u:upw"));
    s.add(Step.of("role", "get", "r1", "--user", "u:upw"));
    s.add(Step.of("role", "get", "root", "--user", "u:upw"));
    s.add(Step.of("role", "add", "r3", "--user", "u:upw"));
    s.add(Step.of("auth", "disable", "--user", "u:upw"));
    s.add(new Step("newpw\n", "user", "passwd", "u", "--interactive=false", "--user", "root:pw"));
    s.add(Step.of("get", "k1", "--user", "u:upw"));
    s.add(Step.of("get", "k1", "--user", "u:newpw"));
    s.add(Step.of("role", "revoke-permission", "r1", "foo", "--prefix", "--user", "root:pw"));
    s.add(Step.of("role", "revoke-permission", "r1", "from", "--from-key", "--user", "root:pw"));
    s.add(Step.of("role", "revoke-permission", "r1", "a", "c", "--user", "root:pw"));
    s.add(Step.of("put", "foo3", "f3", "--user", "u:newpw"));
    s.add(Step.of("role", "get", "r1", "--user", "root:pw"));
    s.add(Step.of("user", "revoke-role", "u", "r1", "--user", "root:pw"));
    s.add(Step.of("user", "revoke-role", "u", "r1", "--user", "root:pw"));
    s.add(Step.of("get", "k1", "--user", "u:newpw"));
    s.add(Step.of("role", "delete", "r2", "--user", "root:pw"));
    s.add(Step.of("user", "get", "u", "--user", "root:pw"));
    s.add(Step.of("user", "delete", "u", "--user", "root:pw"));
    s.add(Step.of("user", "delete", "u", "--user", "root:pw"));
    s.add(Step.of("user", "delete", "root", "--user", "root:pw"));
    s.add(Step.of("role", "delete", "root", "--user", "root:pw"));
    s.add(Step.of("user", "revoke-role", "root", "root", "--user", "root:pw"));
    s.add(Step.of("auth", "enable", "--user", "root:pw"));
    s.add(Step.of("auth", "disable", "--user", "root:pw"));
    s.add(Step.of("get", "k1"));
    s.add(Step.of("auth", "disable"));
    s.add(Step.of("user", "delete", "root"));
    s.add(Step.of("user", "list"));
    s.add(Step.of("role", "list"));
    s.add(Step.of("get", "", "--prefix"));
    return s;
  }

  @Test
  void sameOutputAsEtcd() throws Exception {
    Etcdctl onEtcd = new Etcdctl(etcd.endpoint());
    Etcdctl onCairn = new Etcdctl(cairn.endpoint());
    long[] etcdIds = EtcdctlDifferentialTest.ids(onEtcd);
    long[] cairnIds = EtcdctlDifferentialTest.ids(onCairn);
    List<String> mismatches = new ArrayList<>();
    for (Step step : sequence()) {
      Etcdctl.Result e = onEtcd.runWithInput(step.stdin(), step.args());
      Etcdctl.Result c = onCairn.runWithInput(step.stdin(), step.args());
      String want = e.exit() + "\n" + Normalize.ids(e.out(), etcdIds[0], etcdIds[1]) + "\n"
          + Normalize.clientLog(e.err());
      String got = c.exit() + "\n" + Normalize.ids(c.out(), cairnIds[0], cairnIds[1]) + "\n"
          + Normalize.clientLog(c.err());
      if (!want.equals(got)) {
        mismatches.add("etcdctl " + String.join(" ", step.args()) + "\n--- etcd:\n" + want + "\n--- cairn:\n" + got);
      }
    }
    assertThat(mismatches).as("commands whose output differs from etcd's").isEmpty();
  }
}
