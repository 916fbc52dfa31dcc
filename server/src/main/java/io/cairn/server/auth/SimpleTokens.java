package io.cairn.server.auth;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * etcd's simple tokens: {@code <16 random letters>.<raft index>}, held in memory by every member (the Authenticate
 * entry registers them when applied). Each use extends a token's life to now + TTL; unused ones expire.
 */
final class SimpleTokens implements TokenProvider {
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final int LENGTH = 16;

  private record Entry(String user, long expiresAtMillis) {}

  private final SecureRandom random = new SecureRandom();
  private final LongSupplier nowMillis;
  private final long ttlMillis;
  private final Map<String, Entry> tokens = new HashMap<>();
  private boolean enabled;

  SimpleTokens(long ttlMillis, LongSupplier nowMillis) {
    this.ttlMillis = ttlMillis > 0 ? ttlMillis : 300_000;
    this.nowMillis = nowMillis;
  }

  @Override
  public String newPrefix() {
    StringBuilder b = new StringBuilder(LENGTH);
    for (int i = 0; i < LENGTH; i++) {
      b.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return b.toString();
  }

  @Override
  public synchronized String assign(String user, long revision, String prefix, long index) {
    String token = prefix + "." + index;
    if (enabled) {
      tokens.put(token, new Entry(user, nowMillis.getAsLong() + ttlMillis));
    }
    return token;
  }

  @Override
  public synchronized AuthInfo info(String token, long currentRevision) {
    if (index(token) < 0) {
      return null;
    }
    Entry e = tokens.get(token);
    long now = nowMillis.getAsLong();
    if (e == null || now > e.expiresAtMillis()) {
      tokens.remove(token);
      return null;
    }
    tokens.put(token, new Entry(e.user(), now + ttlMillis));
    // a simple token always speaks for the current revision (etcd): only a header captured earlier can be old
    return new AuthInfo(e.user(), currentRevision);
  }

  @Override
  public long index(String token) {
    int dot = token.indexOf('.');
    if (dot < 0 || dot != token.lastIndexOf('.')) {
      return -1;
    }
    String idx = token.substring(dot + 1);
    if (idx.isEmpty() || idx.length() > 20) {
      return -1;
    }
    try {
      return Long.parseUnsignedLong(idx);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public synchronized void invalidateUser(String user) {
    tokens.values().removeIf(e -> e.user().equals(user));
  }

  @Override
  public synchronized void setEnabled(boolean on) {
    enabled = on;
    if (!on) {
      tokens.clear();
    }
  }

  @Override
  public synchronized void purgeExpired() {
    long now = nowMillis.getAsLong();
    for (Iterator<Entry> it = tokens.values().iterator(); it.hasNext(); ) {
      if (now > it.next().expiresAtMillis()) {
        it.remove();
      }
    }
  }

  synchronized int size() {
    return tokens.size();
  }
}
