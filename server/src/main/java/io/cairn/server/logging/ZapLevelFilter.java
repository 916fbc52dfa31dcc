package io.cairn.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/** Drops events below {@code --log-level} in zap's order, where panic and fatal sit above SLF4J's error. */
public final class ZapLevelFilter extends Filter<ILoggingEvent> {
  private ZapLevel threshold = ZapLevel.INFO;

  /** Settable from logback.xml: one of etcd's level names. */
  public void setLevel(String level) {
    try {
      threshold = ZapLevel.parse(level);
    } catch (io.cairn.server.config.FlagException e) {
      addError(e.getMessage());
    }
  }

  void setThreshold(ZapLevel threshold) {
    this.threshold = threshold;
  }

  @Override
  public FilterReply decide(ILoggingEvent e) {
    return ZapLevel.of(e).compareTo(threshold) >= 0 ? FilterReply.NEUTRAL : FilterReply.DENY;
  }
}
