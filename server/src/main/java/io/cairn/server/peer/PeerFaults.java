package io.cairn.server.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network faults between members for fault campaigns, inert unless the environment names a control file at start
 * ({@code CAIRN_PEER_FAULTS_FILE}). The campaign rewrites the file; it is re-read at most every 100 ms. One rule a
 * line, member ids in hex:
 *
 * <pre>
 * drop-to 8e9e05c52164694d        raft messages and snapshots to that member are lost
 * drop-from 8e9e05c52164694d      raft messages from that member are ignored
 * delay-to 8e9e05c52164694d 200   each message to that member waits 200 ms first (a slow link)
 * powerloss                       this member loses power: unsynced writes are dropped and it halts
 * </pre>
 *
 * Both sides of a symmetric partition drop; a one-way partition is one rule on one member.
 */
public final class PeerFaults {
  private static final Logger LOG = LoggerFactory.getLogger(PeerFaults.class);
  private static final Path FILE = fileFromEnv();
  private static final long RELOAD_NANOS = 100_000_000L;

  private record Rules(Set<Long> dropTo, Set<Long> dropFrom, Map<Long, Long> delayToMs) {
    static final Rules NONE = new Rules(Set.of(), Set.of(), Map.of());
  }

  private static volatile Rules rules = Rules.NONE;
  private static volatile long checkedAt;
  private static volatile FileTime loadedMtime;

  private PeerFaults() {}

  private static Path fileFromEnv() {
    String f = System.getenv("CAIRN_PEER_FAULTS_FILE");
    if (f == null || f.isBlank()) {
      return null;
    }
    LOG.warn("peer fault injection enabled from {}", f);
    return Path.of(f);
  }

  static boolean dropTo(long peer) {
    return FILE != null && current().dropTo().contains(peer);
  }

  static boolean dropFrom(long peer) {
    return FILE != null && current().dropFrom().contains(peer);
  }

  /** Milliseconds each message to {@code peer} waits; 0 for none. */
  static long delayToMs(long peer) {
    return FILE == null ? 0 : current().delayToMs().getOrDefault(peer, 0L);
  }

  private static Rules current() {
    long now = System.nanoTime();
    if (now - checkedAt > RELOAD_NANOS) {
      checkedAt = now;
      reload();
    }
    return rules;
  }

  private static synchronized void reload() {
    try {
      if (!Files.exists(FILE)) {
        rules = Rules.NONE;
        loadedMtime = null;
        return;
      }
      FileTime mtime = Files.getLastModifiedTime(FILE);
      if (mtime.equals(loadedMtime)) {
        return;
      }
      Set<Long> dropTo = new HashSet<>();
      Set<Long> dropFrom = new HashSet<>();
      Map<Long, Long> delay = new HashMap<>();
      for (String line : Files.readAllLines(FILE)) {
        if (line.trim().equals("powerloss")) {
          io.cairn.storage.failpoint.Failpoints.powerLoss(); // does not return
        }
        String[] f = line.trim().split("\\s+");
        if (f.length < 2) {
          continue;
        }
        long id = Long.parseUnsignedLong(f[1], 16);
        switch (f[0]) {
          case "drop-to" -> dropTo.add(id);
          case "drop-from" -> dropFrom.add(id);
          case "delay-to" -> delay.put(id, f.length > 2 ? Long.parseLong(f[2]) : 0L);
          default -> LOG.warn("unknown peer fault rule: {}", line);
        }
      }
      rules = new Rules(Set.copyOf(dropTo), Set.copyOf(dropFrom), Map.copyOf(delay));
      loadedMtime = mtime;
      LOG.warn("peer faults now: drop-to {}, drop-from {}, delay-to {}", hex(dropTo), hex(dropFrom), delay);
    } catch (IOException | RuntimeException e) {
      LOG.warn("reading peer faults from {}: {}", FILE, e.toString());
    }
  }

  private static Set<String> hex(Set<Long> ids) {
    Set<String> out = new HashSet<>();
    ids.forEach(i -> out.add(Long.toHexString(i)));
    return out;
  }
}
