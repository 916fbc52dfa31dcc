package io.cairn.raft;

import java.util.SplittableRandom;

/** The only source of randomness in the core (election timeouts). Inject a seeded one for replay. */
@FunctionalInterface
public interface RandomSource {
  /** Returns a uniformly distributed int in {@code [0, bound)}. */
  int nextInt(int bound);

  static RandomSource seeded(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    return r::nextInt;
  }
}
