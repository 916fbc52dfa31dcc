package io.cairn.server.watch;

import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.Event;
import java.util.ArrayList;
import java.util.List;

/** Builds the responses for one watcher's events, split as etcd splits when the watcher asked for fragments. */
final class Fragments {
  private Fragments() {}

  static List<WatchResponse> split(ResponseHeader header, long watchId, List<Event> events, boolean fragment,
      int maxBytes) {
    WatchResponse whole = WatchResponse.newBuilder().setHeader(header).setWatchId(watchId).addAllEvents(events).build();
    if (!fragment || events.size() < 2 || whole.getSerializedSize() <= maxBytes) {
      return List.of(whole);
    }
    List<WatchResponse> out = new ArrayList<>();
    WatchResponse.Builder cur = WatchResponse.newBuilder().setHeader(header).setWatchId(watchId);
    int size = cur.build().getSerializedSize();
    for (Event e : events) {
      int es = e.getSerializedSize() + 8;
      if (cur.getEventsCount() > 0 && size + es > maxBytes) {
        out.add(cur.setFragment(true).build());
        cur = WatchResponse.newBuilder().setHeader(header).setWatchId(watchId);
        size = cur.build().getSerializedSize();
      }
      cur.addEvents(e);
      size += es;
    }
    out.add(cur.build());
    return out;
  }
}
