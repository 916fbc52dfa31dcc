package io.cairn.raft;

import com.google.protobuf.ByteString;

/**
 * Result of a ReadIndex request: once the application has applied up to {@code index}, a read
 * identified by {@code requestCtx} may be served linearizably.
 */
public record ReadState(long index, ByteString requestCtx) {}
