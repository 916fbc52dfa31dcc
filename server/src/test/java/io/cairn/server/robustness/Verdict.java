package io.cairn.server.robustness;

/** What a checker concluded, with a human-readable account of the first violation it found. */
record Verdict(Status status, String explanation) {
  enum Status { OK, VIOLATION, INCONCLUSIVE }

  static Verdict ok() {
    return new Verdict(Status.OK, "ok");
  }

  static Verdict violation(String explanation) {
    return new Verdict(Status.VIOLATION, explanation);
  }

  static Verdict inconclusive(String explanation) {
    return new Verdict(Status.INCONCLUSIVE, explanation);
  }

  boolean isOk() {
    return status == Status.OK;
  }

  boolean isViolation() {
    return status == Status.VIOLATION;
  }

  @Override
  public String toString() {
    return status + ": " + explanation;
  }
}
