package io.cairn.server.config;

/** A command line or environment that cannot be run; the message is printed as is. */
public final class FlagException extends Exception {
  public FlagException(String message) {
    super(message);
  }
}
