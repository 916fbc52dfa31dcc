package io.cairn.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfChangeSingle;
import io.cairn.proto.raftpb.ConfChangeType;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes the directives of a scenario file against a traced {@link TestEnv} and returns the
 * text each one produced. The format is documented in {@code scenarios/README.txt}.
 */
final class ScenarioRunner {
  /** One parsed directive line: command, positional args, key=value options. */
  record Directive(String cmd, List<String> args, Map<String, String> opts) {
    static Directive parse(String line) {
      String[] parts = line.trim().split("\\s+");
      List<String> args = new ArrayList<>();
      Map<String, String> opts = new HashMap<>();
      for (int i = 1; i < parts.length; i++) {
        int eq = parts[i].indexOf('=');
        if (eq > 0) {
          opts.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        } else {
          args.add(parts[i]);
        }
      }
      return new Directive(parts[0], args, opts);
    }

    long id(int i) {
      return Long.parseLong(args.get(i));
    }

    long[] ids() {
      return args.stream().mapToLong(Long::parseLong).toArray();
    }

    boolean flag(String k, boolean def) {
      return opts.containsKey(k) ? Boolean.parseBoolean(opts.get(k)) : def;
    }
  }

  private final TestEnv env = new TestEnv().traced();

  String run(String line) {
    Directive d = Directive.parse(line);
    env.trace.setLength(0);
    try {
      String out = handle(d);
      if (out != null) {
        env.trace.append(out);
      }
    } catch (RaftException e) {
      env.trace.append("error: ").append(e.getMessage()).append('\n');
    }
    String s = env.trace.toString();
    return s.isEmpty() ? "ok\n" : s;
  }

  private String handle(Directive d) {
    switch (d.cmd) {
      case "add-nodes" -> addNodes(d);
      case "campaign" -> env.node(d.id(0)).rn.campaign();
      case "propose" -> env.node(d.id(0)).rn.propose(ByteString.copyFromUtf8(d.args.get(1)));
      case "propose-conf-change" -> proposeConfChange(d);
      case "tick" -> env.tick(d.id(0), d.args.size() > 1 ? Integer.parseInt(d.args.get(1)) : 1);
      case "tick-election" -> env.tickElection(d.id(0));
      case "tick-heartbeat" -> env.tickHeartbeat(d.id(0));
      case "set-randomized-election-timeout" ->
          env.node(d.id(0)).raft().randomizedElectionTimeout = Integer.parseInt(d.opts.get("timeout"));
      case "process-ready" -> {
        for (long id : d.ids()) {
          env.processReady(id);
        }
      }
      case "deliver-msgs" -> {
        for (long id : d.ids()) {
          if (d.flag("drop", false)) {
            env.trace.append("dropped ").append(env.dropTo(id)).append(" messages to ")
                .append(id).append('\n');
          } else {
            env.deliver(id);
          }
        }
      }
      case "stabilize" -> {
        if (d.args.isEmpty()) {
          env.stabilize();
        } else {
          env.stabilize(d.ids());
        }
      }
      case "isolate" -> env.isolate(d.id(0));
      case "cut" -> env.cut(d.id(0), d.id(1));
      case "heal" -> env.heal();
      case "read-index" -> env.node(d.id(0)).rn.readIndex(ByteString.copyFromUtf8(d.args.get(1)));
      case "transfer-leadership" ->
          env.node(Long.parseLong(d.opts.get("from"))).rn
              .transferLeader(Long.parseLong(d.opts.get("to")));
      case "compact" -> {
        SnapshotTest.snapshotAndCompact(env, d.id(0));
        TestEnv.Node n = env.node(d.id(0));
        return "snapshot at " + n.storage.snapshot().getMetadata().getIndex() + ", log ["
            + n.storage.firstIndex() + "," + n.storage.lastIndex() + "]\n";
      }
      case "report-unreachable" -> env.node(d.id(0)).rn.reportUnreachable(d.id(1));
      case "report-snapshot" -> env.node(d.id(0)).rn.reportSnapshot(d.id(1),
          "ok".equals(d.args.get(2)) ? SnapshotStatus.FINISH : SnapshotStatus.FAILURE);
      case "restart" -> env.restart(d.id(0));
      case "raft-state" -> {
        return raftState();
      }
      case "raft-log" -> {
        RaftLog log = env.node(d.id(0)).raft().log;
        List<Entry> es = log.allEntries();
        return es.isEmpty() ? "log is empty: first index=" + log.firstIndex() + "\n"
            : String.join("\n", es.stream().map(Describe::entry).toList()) + "\n";
      }
      case "status" -> {
        return status(d.id(0));
      }
      case "applied" -> {
        TestEnv.Node n = env.node(d.id(0));
        return "applied=" + n.appliedIndex + " " + n.applied.values().stream()
            .map(ByteString::toStringUtf8).toList() + " reads=" + n.reads.stream()
            .map(rs -> rs.index() + ":" + rs.requestCtx().toStringUtf8()).toList() + "\n";
      }
      default -> throw new IllegalArgumentException("unknown directive " + d.cmd);
    }
    return null;
  }

  private void addNodes(Directive d) {
    int n = Integer.parseInt(d.args.get(0));
    long first = env.nodes.isEmpty() ? 1 : env.nodes.lastKey() + 1;
    ConfState cs;
    if (d.opts.containsKey("voters")) {
      ConfState.Builder b = ConfState.newBuilder();
      for (String v : d.opts.get("voters").split(",")) {
        b.addVoters(Long.parseLong(v));
      }
      if (d.opts.containsKey("learners")) {
        for (String v : d.opts.get("learners").split(",")) {
          b.addLearners(Long.parseLong(v));
        }
      }
      cs = b.build();
    } else if (env.nodes.isEmpty()) {
      long[] ids = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = first + i;
      }
      cs = TestEnv.voters(ids);
    } else {
      cs = env.initialConf;
    }
    if (env.nodes.isEmpty()) {
      env.initialConf = cs;
    }
    for (long id = first; id < first + n; id++) {
      env.addNode(id, cs, b -> {
        b.preVote(d.flag("prevote", false)).checkQuorum(d.flag("checkquorum", false))
            .disableProposalForwarding(!d.flag("forwarding", true))
            .stepDownOnRemoval(d.flag("stepdown", false));
        if ("lease".equals(d.opts.get("readonly"))) {
          b.readOnlyOption(ReadOnlyOption.LEASE_BASED);
        }
        if (d.opts.containsKey("inflight")) {
          b.maxInflightMsgs(Integer.parseInt(d.opts.get("inflight")));
        }
        if (d.opts.containsKey("maxsize")) {
          b.maxSizePerMsg(Long.parseLong(d.opts.get("maxsize")));
        }
      });
    }
  }

  private void proposeConfChange(Directive d) {
    RawNode rn = env.node(d.id(0)).rn;
    List<ConfChangeSingle> changes = new ArrayList<>();
    for (String a : d.args.subList(1, d.args.size())) {
      ConfChangeType t = switch (a.charAt(0)) {
        case 'v' -> ConfChangeType.ADD_NODE;
        case 'l' -> ConfChangeType.ADD_LEARNER_NODE;
        case 'r' -> ConfChangeType.REMOVE_NODE;
        case 'u' -> ConfChangeType.UPDATE_NODE;
        default -> throw new IllegalArgumentException("bad change " + a);
      };
      changes.add(ConfChanger.single(t, Long.parseLong(a.substring(1))));
    }
    if (d.flag("v1", false)) {
      ConfChangeSingle c = changes.get(0);
      rn.proposeConfChange(ConfChange.newBuilder().setType(c.getType()).setNodeId(c.getNodeId())
          .build());
      return;
    }
    ConfChangeV2.Builder b = ConfChangeV2.newBuilder().addAllChanges(changes);
    String tr = d.opts.getOrDefault("transition", "auto");
    b.setTransition(ConfChangeV2.Transition.valueOf(tr.toUpperCase()));
    rn.proposeConfChange(b.build());
  }

  private String raftState() {
    StringBuilder b = new StringBuilder();
    for (TestEnv.Node n : env.nodes.values()) {
      Raft r = n.raft();
      b.append(n.id).append(": ").append(r.state).append(" term=").append(r.term)
          .append(" vote=").append(r.vote).append(" lead=").append(r.lead)
          .append(" commit=").append(r.log.committed).append(" applied=")
          .append(r.log.applied).append(" last=").append(r.log.lastIndex()).append(" conf=")
          .append(Describe.confState(n.confState)).append('\n');
    }
    return b.toString();
  }

  private String status(long id) {
    Status st = env.node(id).rn.status();
    StringBuilder b = new StringBuilder();
    st.progress().forEach((pid, p) -> b.append(pid).append(": ").append(p.state())
        .append(" match=").append(p.match()).append(" next=").append(p.next())
        .append(p.learner() ? " learner" : "").append('\n'));
    if (st.leadTransferee() != 0) {
      b.append("transferring to ").append(st.leadTransferee()).append('\n');
    }
    return b.length() == 0 ? "not leader\n" : b.toString();
  }
}
