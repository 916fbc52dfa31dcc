package io.cairn.raft;

import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.Snapshot;
import java.util.List;

/**
 * A batch of work for the application. Process it in this order, then call {@link
 * RawNode#advance()}:
 *
 * <ol>
 *   <li>persist {@code snapshot} (if any), {@code entries} and {@code hardState} (if any), with an
 *       fsync when {@code mustSync};
 *   <li>send {@code messages} (may also go before or during the persist) and then {@code
 *       messagesAfterPersist} (only once the persist is durable);
 *   <li>install {@code snapshot} into the state machine, then apply {@code committedEntries}
 *       (calling {@link RawNode#applyConfChange} for configuration entries);
 *   <li>serve the reads of {@code readStates} once applied up to their index.
 * </ol>
 *
 * @param softState new soft state, or null if unchanged
 * @param hardState new hard state to persist, or null if unchanged
 * @param snapshot snapshot to persist and install, or null
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    List<Entry> entries,
    Snapshot snapshot,
    List<Entry> committedEntries,
    List<Message> messages,
    List<Message> messagesAfterPersist,
    List<ReadState> readStates,
    boolean mustSync) {

  public Ready {
    entries = List.copyOf(entries);
    committedEntries = List.copyOf(committedEntries);
    messages = List.copyOf(messages);
    messagesAfterPersist = List.copyOf(messagesAfterPersist);
    readStates = List.copyOf(readStates);
  }
}
