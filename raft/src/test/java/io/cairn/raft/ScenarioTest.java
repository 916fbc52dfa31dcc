package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Data-driven scenarios: each file in {@code src/test/resources/scenarios/*.txt} is a script of
 * directives, each followed by "----" and the expected output (up to a blank line). Run with
 * {@code -Dcairn.raft.rewrite=true} to regenerate the expected outputs, then review the diff.
 */
class ScenarioTest {
  static final Path DIR = Path.of("src/test/resources/scenarios");
  static final boolean REWRITE = Boolean.getBoolean("cairn.raft.rewrite");

  @TestFactory
  Stream<DynamicTest> scenarios() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
        () -> runFile(f)));
  }

  static void runFile(Path f) throws IOException {
    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
    ScenarioRunner runner = new ScenarioRunner();
    StringBuilder rewritten = new StringBuilder();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        rewritten.append(line).append('\n');
        i++;
        continue;
      }
      int directiveLine = i + 1;
      String directive = line;
      i++;
      if (i >= lines.size() || !lines.get(i).equals("----")) {
        throw new AssertionError(f + ":" + directiveLine + ": expected ---- after directive");
      }
      i++;
      StringBuilder expected = new StringBuilder();
      while (i < lines.size() && !lines.get(i).isEmpty()) {
        expected.append(lines.get(i)).append('\n');
        i++;
      }
      String actual = runner.run(directive);
      rewritten.append(directive).append("\n----\n").append(actual);
      if (!REWRITE && !actual.equals(expected.toString())) {
        throw new AssertionError(f.getFileName() + ":" + directiveLine + ": " + directive
            + "\n--- expected:\n" + expected + "--- actual:\n" + actual
            + "(rerun with -Dcairn.raft.rewrite=true to accept)");
      }
    }
    if (REWRITE) {
      Files.writeString(f, rewritten.toString(), StandardCharsets.UTF_8);
    }
  }
}
