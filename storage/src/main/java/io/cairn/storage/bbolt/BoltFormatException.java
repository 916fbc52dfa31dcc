package io.cairn.storage.bbolt;

/** The file is not a bbolt database, or its structure is damaged; the message says where. */
public final class BoltFormatException extends RuntimeException {
  public BoltFormatException(String message) {
    super(message);
  }
}
